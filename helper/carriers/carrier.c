#include <config.h>

#include <stdio.h>
#include <string.h>

#include "carrier.h"

/* Every driver the daemon knows, in the order error messages list them. A
 * new carrier is one file and one line here (carrier.h, "Adding a carrier"). */
static const struct carrier_ops *const drivers[] = {
	&carrier_file_ops,
	&carrier_twilio_ops,
	&carrier_vonage_ops,
	&carrier_spool_ops,
	&carrier_http_ops,
	&carrier_kannel_ops,
	&carrier_smpp_ops,
};

const struct carrier_ops *
carrier_lookup(const char *type)
{
	size_t i;

	for (i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		if (strcmp(drivers[i]->type, type) == 0)
			return drivers[i];
	return NULL;
}

const struct carrier_ops *
carrier_driver(size_t i)
{
	return i < sizeof(drivers) / sizeof(drivers[0]) ? drivers[i] : NULL;
}

const char *
carrier_types(void)
{
	/* Made once from the table, so that it cannot miss a driver. */
	static char types[256];
	size_t i, off = 0;
	int n;

	if (types[0] != '\0')
		return types;
	for (i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
		n = snprintf(types + off, sizeof(types) - off, "%s%s", i ? ", " : "",
		    drivers[i]->type);
		if (n < 0 || (size_t)n >= sizeof(types) - off) {
			types[off] = '\0';  /* whole names only */
			break;
		}
		off += (size_t)n;
	}
	return types;
}
