/* The daemon's side of the metrics (common/metrics.h): the counters the
 * answers move (challenges and verifications by result, refusals by
 * reason, reloads), the snapshot that adds the counters otpsmsctl status
 * already keeps (policy, store, carriers), and the metrics_file writer.
 * One thread: no locks. */
#ifndef OTPSMS_COUNTERS_H
#define OTPSMS_COUNTERS_H

#include <stdint.h>

struct daemon;
struct metrics_snap;
struct proto_msg;

/* At start-up: the start time of otpsms_start_time_seconds. */
void counters_init(void);

/* Every answer the server writes (server_reply_hook): req_type is the request's
 * PROTO_*_REQ, or 0 when it was refused before its type was known. */
void counters_reply(unsigned req_type, const struct proto_msg *m);

/* A configuration reload took effect: otpsms_reloads_total. For the
 * reload code (SIGHUP, otpsmsctl reload). */
void metrics_reloads_inc(void);

/* The snapshot, with the page of carriers from index first on (n_page 0
 * past the end; METRICS_MAX_CARRIERS to take them all, for the file). */
void counters_snapshot(struct daemon *d, struct metrics_snap *s, uint32_t first,
    uint32_t max_page);

/* metrics_file: written now and every metrics_interval (nothing without
 * it). stop: cancels the timer. 0 or -1 (the first write failed: logged,
 * and the daemon goes on trying). */
int counters_file_start(struct daemon *d);
void counters_file_stop(struct daemon *d);
/* Writes the file once: 0 or -1 with err. */
int counters_file_write(struct daemon *d, char *err, size_t errsz);

#endif
