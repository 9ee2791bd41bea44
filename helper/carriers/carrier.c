#include <config.h>

#include <string.h>

#include "carrier.h"


/* Every driver the daemon knows. A new carrier is one file and one line here. */
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

const char *
carrier_types(void)
{
	return "file, twilio, vonage, spool, http, kannel, smpp";
}
