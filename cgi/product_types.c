/*
 * product_types: GET /store/product-types. Medusa mounts the admin handler
 * here (reference section 4.6, quirk 5); the list is cgi/product_tags.c's.
 */
#include "cgi/catalogue.h"
#include "cgi/product_tags.h"

enum api_err product_types_list(struct req *r)
{
	return taxons_list(r, TAXON_TYPE);
}
