/*
 * product_tags: the list GET /store/product-tags and GET /store/product-types share.
 */
#ifndef PRODUCT_TAGS_H
#define PRODUCT_TAGS_H
#include "common/errors.h"
#include "common/req.h"
#include "sql/taxonomy_store.h"

/* Answers the tag or type list for r's query (cgi/product_tags.c). */
enum api_err taxons_list(struct req *r, enum taxon_kind kind);
#endif
