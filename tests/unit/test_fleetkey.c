/* The fleet key: reading its file, HKDF-SHA256 known answers (computed
 * independently with Python's hmac module), distinct labels, and two
 * "hosts" with the same key agreeing on MACs and seals. */
#include <config.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "code.h"
#include "fleetkey.h"
#include "seal.h"
#include "tap.h"

static void
tohex(const uint8_t *in, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", in[i]);
}

static int
write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd;

	unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)) == -1)
		return -1;
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	fchmod(fd, mode);
	return close(fd);
}

int
main(void)
{
	uint8_t ikm[32], k1[FLEETKEY_OUT], k2[FLEETKEY_OUT], k3[FLEETKEY_OUT];
	uint8_t id[PROTO_ID_LEN], mac1[STORE_MAC_LEN], mac2[STORE_MAC_LEN];
	uint8_t *key = NULL;
	struct challenge ch;
	char hex[2 * FLEETKEY_OUT + 1], err[512], path[64], code[16];
	char text[80];
	size_t i, len = 0;

	for (i = 0; i < sizeof(ikm); i++)
		ikm[i] = (uint8_t)i;
	ok(fleetkey_derive(ikm, sizeof(ikm), FLEETKEY_LABEL_CODE, k1) == 0,
	    "derive the code key");
	tohex(k1, sizeof(k1), hex);
	is_str(hex, "26ea71240f085ebad1b4c128493cdc5f73986823f14dadc60fb17c2b2c0b19f2",
	    "code key: HKDF-SHA256 known answer");
	ok(fleetkey_derive(ikm, sizeof(ikm), FLEETKEY_LABEL_SEAL, k2) == 0,
	    "derive the seal key");
	tohex(k2, sizeof(k2), hex);
	is_str(hex, "42c0a139bef0433ca4edbfaf532538de4328c54cb8f6dc3b1fe1a04d7473202f",
	    "seal key: known answer");
	ok(fleetkey_derive(ikm, sizeof(ikm), FLEETKEY_LABEL_NAMES, k3) == 0,
	    "derive the names key");
	tohex(k3, sizeof(k3), hex);
	is_str(hex, "59932a4bd3268b1308662a1abc4d6c43a4b4a12e109f6b2f7e0decab85f122ef",
	    "names key: known answer");
	ok(memcmp(k1, k2, sizeof(k1)) != 0 && memcmp(k2, k3, sizeof(k2)) != 0 &&
	    memcmp(k1, k3, sizeof(k1)) != 0, "each label its own key");
	ok(fleetkey_derive(ikm, 31, FLEETKEY_LABEL_CODE, k1) == -1,
	    "less than 32 bytes of key material refused");
	ikm[31] ^= 1;
	ok(fleetkey_derive(ikm, sizeof(ikm), FLEETKEY_LABEL_CODE, k1) == 0 &&
	    (tohex(k1, sizeof(k1), hex), strcmp(hex, "26ea71240f085ebad1b4c128493cdc5f"
	    "73986823f14dadc60fb17c2b2c0b19f2") != 0), "one bit of the key changes it");
	ikm[31] ^= 1;

	/* The file. */
	snprintf(path, sizeof(path), "/tmp/otpsms-fleetkey.%ld", (long)getpid());
	snprintf(text, sizeof(text), "%s\n",
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	ok(write_file(path, text, strlen(text), 0600) == 0, "write a key file");
	ok(fleetkey_read(path, geteuid(), (gid_t)-1, &key, &len, err, sizeof(err)) == 0,
	    "a 0600 key file is read");
	is_int(len, 64, "its trailing newline is not key material");
	ok(key != NULL && memcmp(key, text, 64) == 0, "the bytes as written");
	free(key);
	key = NULL;
	chmod(path, 0640);
	ok(fleetkey_read(path, geteuid(), (gid_t)-1, &key, &len, err, sizeof(err)) == -1 &&
	    strstr(err, "chmod 600") != NULL, "a group-readable key file refused");
	ok(strstr(err, "0123456789abcdef") == NULL, "the reason does not quote the key");
	ok(write_file(path, "short key\n", 10, 0600) == 0 &&
	    fleetkey_read(path, geteuid(), (gid_t)-1, &key, &len, err, sizeof(err)) == -1 &&
	    strstr(err, "32 to") != NULL, "a short key file refused");
	ok(write_file(path, ikm, sizeof(ikm), 0600) == 0 &&
	    fleetkey_read(path, geteuid(), (gid_t)-1, &key, &len, err, sizeof(err)) == 0 &&
	    len == 32 && memcmp(key, ikm, 32) == 0, "a raw 32-byte key file is read");
	free(key);
	unlink(path);
	ok(fleetkey_read(path, geteuid(), (gid_t)-1, &key, &len, err, sizeof(err)) == -1,
	    "a missing key file is an error");

	/* Two hosts, one fleet key: the same MAC, and each opens the other's
	 * seal. A host with another key does neither. */
	memset(id, 0x5a, sizeof(id));
	memset(&ch, 0, sizeof(ch));
	memcpy(ch.id, id, sizeof(id));
	snprintf(ch.user, sizeof(ch.user), "alice");
	snprintf(ch.service, sizeof(ch.service), "sshd");
	fleetkey_derive(ikm, sizeof(ikm), FLEETKEY_LABEL_CODE, k1);
	fleetkey_derive(ikm, sizeof(ikm), FLEETKEY_LABEL_SEAL, k2);
	ok(code_init_key(k1) == 0 && code_mac(id, "alice", 0, "123456", mac1) == 0,
	    "host A: MAC under the derived key");
	ok(seal_init_key(k2) == 0 && seal_code(&ch, "123456", ch.sealed) == 0,
	    "host A: seal under the derived key");
	code_cleanup();
	seal_cleanup();
	fleetkey_derive(ikm, sizeof(ikm), FLEETKEY_LABEL_CODE, k1);
	fleetkey_derive(ikm, sizeof(ikm), FLEETKEY_LABEL_SEAL, k2);
	ok(code_init_key(k1) == 0 && code_mac(id, "alice", 0, "123456", mac2) == 0 &&
	    memcmp(mac1, mac2, sizeof(mac1)) == 0, "host B: the same MAC");
	ok(seal_init_key(k2) == 0 && seal_open(&ch, code, sizeof(code)) == 0 &&
	    strcmp(code, "123456") == 0, "host B opens host A's seal");
	ikm[0] ^= 0x80;
	fleetkey_derive(ikm, sizeof(ikm), FLEETKEY_LABEL_CODE, k1);
	fleetkey_derive(ikm, sizeof(ikm), FLEETKEY_LABEL_SEAL, k2);
	ok(code_init_key(k1) == 0 && code_mac(id, "alice", 0, "123456", mac2) == 0 &&
	    memcmp(mac1, mac2, sizeof(mac1)) != 0, "another fleet: another MAC");
	ok(seal_init_key(k2) == 0 && seal_open(&ch, code, sizeof(code)) == -1,
	    "another fleet cannot open the seal");
	code_cleanup();
	seal_cleanup();
	return done_testing();
}
