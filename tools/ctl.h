/* What otpsmsctl's commands share (otpsmsctl.c, enrol.c). */
#ifndef OTPSMS_CTL_H
#define OTPSMS_CTL_H

#include "proto.h"

/* One request, one reply frame, over the daemon's socket (owned and
 * served by root or daemon_user). 0, or -1 (message printed). */
int ctl_exchange(const char *path, const char *daemon_user,
    const struct proto_msg *req, struct proto_msg *rsp);

/* otpsmsctl enroll USER NUMBER | remove USER | change-number [OLD] NEW
 * (enrol.c): argv[0] is the command. The exit status. */
int enrol_cmd(int argc, char **argv, const char *sock, const char *duser,
    const char *cfgpath);

#endif
