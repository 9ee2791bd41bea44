/* libFuzzer: the backup code file (STATE_DIR/backup), read back at start.
 * The input is the file's body; its checksum line is appended here so the
 * fuzzer reaches the records (the checksum only catches accidents, the
 * records are parsed as untrusted). Whatever parses must format, and the
 * format must parse back to the same text. Built by tests/fuzz.am
 * (--enable-fuzzing). */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "backup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct backup_db db, db2;
	unsigned char md[32];
	unsigned int mdlen = 0;
	char *text, *f1 = NULL, *f2 = NULL, err[128];
	size_t i, n1 = 0, n2 = 0;

	if (size > 65536 || (text = malloc(size + 70)) == NULL)
		return 0;
	memcpy(text, data, size);
	if (EVP_Digest(data, size, md, &mdlen, EVP_sha256(), NULL) != 1)
		abort();
	memcpy(text + size, "end ", 4);
	for (i = 0; i < 32; i++)
		snprintf(text + size + 4 + 2 * i, 3, "%02x", md[i]);
	text[size + 68] = '\n';
	backup_db_init(&db, NULL);
	backup_db_init(&db2, NULL);
	if (backup_parse(&db, text, size + 69, err, sizeof(err)) == 0) {
		if (backup_format(&db, &f1, &n1) != 0 ||
		    backup_parse(&db2, f1, n1, err, sizeof(err)) != 0 ||
		    backup_format(&db2, &f2, &n2) != 0 ||
		    n1 != n2 || memcmp(f1, f2, n1) != 0)
			abort();
	}
	free(f1);
	free(f2);
	backup_db_free(&db);
	backup_db_free(&db2);
	free(text);
	return 0;
}
