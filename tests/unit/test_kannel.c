/* Kannel's delivery report callbacks, as the daemon's listener reads them. */
#include <string.h>

#include "kannel.h"
#include "tap.h"

#define TOK "0123456789abcdef0123456789abcdef"
#define R(s) (s), strlen(s)

int
main(void)
{
	char tok[40];
	int type = -1;

	ok(kannel_parse_dlr(R("GET /dlr?t=" TOK "&s=8 HTTP/1.1\r\nHost: x\r\n\r\n"), tok,
	    sizeof(tok), &type) == 0 && strcmp(tok, TOK) == 0 && type == 8,
	    "report 8 with its token");
	ok(kannel_parse_dlr(R("GET /dlr?s=16&t=" TOK " HTTP/1.0\r\n\r\n"), tok, sizeof(tok),
	    &type) == 0 && type == 16, "parameters in any order");
	ok(kannel_parse_dlr(R("GET /dlr?t=" TOK "&s=1&x=y HTTP/1.1\r\n\r\n"), tok,
	    sizeof(tok), &type) == 0 && type == 1, "extra parameters ignored");
	is_int(kannel_parse_dlr(R("POST /dlr?t=" TOK "&s=8 HTTP/1.1\r\n\r\n"), tok,
	    sizeof(tok), &type), -1, "not a GET");
	is_int(kannel_parse_dlr(R("GET /x?t=" TOK "&s=8 HTTP/1.1\r\n\r\n"), tok,
	    sizeof(tok), &type), -1, "another path");
	is_int(kannel_parse_dlr(R("GET /dlr?t=0123&s=8 HTTP/1.1\r\n\r\n"), tok,
	    sizeof(tok), &type), -1, "short token");
	is_int(kannel_parse_dlr(R("GET /dlr?t=" TOK "A&s=8 HTTP/1.1\r\n\r\n"), tok,
	    sizeof(tok), &type), -1, "token with more after it");
	is_int(kannel_parse_dlr(R("GET /dlr?t=" TOK " HTTP/1.1\r\n\r\n"), tok,
	    sizeof(tok), &type), -1, "no type");
	is_int(kannel_parse_dlr(R("GET /dlr?t=" TOK "&s=x8 HTTP/1.1\r\n\r\n"), tok,
	    sizeof(tok), &type), -1, "type not a number");
	is_int(kannel_parse_dlr(R("GET /dlr?t=" TOK "&s=8"), tok, sizeof(tok), &type), -1,
	    "no protocol: incomplete");
	is_int(kannel_parse_dlr(R("GET /dlr?t=" TOK "&s=8 HTTP/1.1"), tok, 8, &type), -1,
	    "token buffer too small");
	/* The listener's first judgement, before any parsing. */
	is_int(kannel_dlr_line(R("GET /dlr?t=" TOK "&s=8 HTTP/1.1\r\nHost: x\r\n\r\n"), 256),
	    (int)strlen("GET /dlr?t=" TOK "&s=8 HTTP/1.1\r\n"), "a whole request line");
	is_int(kannel_dlr_line(R("GET /dlr?t=" TOK "&s=8 HTTP/1.0\n"), 256),
	    (int)strlen("GET /dlr?t=" TOK "&s=8 HTTP/1.0\n"), "a bare LF ends it too");
	is_int(kannel_dlr_line(R(""), 256), 0, "nothing yet: wait");
	is_int(kannel_dlr_line(R("GET /d"), 256), 0, "a prefix of GET /dlr?: wait");
	is_int(kannel_dlr_line(R("GET /dlr?t=" TOK), 256), 0, "no line end yet: wait");
	is_int(kannel_dlr_line(R("G\r"), 256), -1, "junk from the first bytes");
	is_int(kannel_dlr_line(R("POST /dlr?"), 256), -1, "not a GET: at once");
	is_int(kannel_dlr_line(R("GET /x"), 256), -1, "another path: at once");
	is_int(kannel_dlr_line(R("GET /dlr?t=\x01"), 256), -1, "a control byte");
	is_int(kannel_dlr_line(R("GET /dlr?t=\xc3\xa9"), 256), -1, "a byte above 0x7e");
	is_int(kannel_dlr_line(R("GET /dlr?t=1\rX"), 256), -1, "CR not before LF");
	is_int(kannel_dlr_line(R("GET /dlr?t=" TOK "&s=8 HTTP/1.1"), 40), -1,
	    "no line end within max");
	return done_testing();
}
