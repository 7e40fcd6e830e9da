/*
 * Read a DGN v7 cadastral sheet (boundaries as lines, attributes as text
 * elements) into parcels: the boundary lines are noded and polygonized into
 * faces, and each text on a label level is attached to the face holding its
 * origin. Which level holds what differs between sources (see DOMAIN.md,
 * "Cadastral maps (DGN)"), so the caller passes a profile.
 *
 *     td_dgn_profile p = TD_DGN_PROFILE_INIT;  (boundaries on 10, numbers on 13)
 *     td_dgn_result r;
 *     td_dgn_result_init(&r);
 *     if (td_dgn_read(geos, "to12.dgn", &p, &r, &err) != TD_OK)
 *         ...err.msg is "cannot read 'to12.dgn': truncated element at byte 10894"...
 *     for (size_t i = 0; i < r.nparcels; i++)
 *         ...r.parcels[i].parcel, .landuse, .wkb...
 *     for (size_t i = 0; i < r.nproblems; i++)
 *         ...r.problems[i].kind, .element, .x, .y, .text...
 *     td_dgn_result_release(&r);
 */
#ifndef TD_DGN_H
#define TD_DGN_H

#include "encoding.h"
#include "error.h"

#include <geos_c.h>
#include <stddef.h>

typedef struct td_dgn_profile {
	int boundary_levels[8];  /* levels holding parcel boundary lines; sources agree on 10 */
	int nboundary;           /* 1..8 entries of boundary_levels used */
	int parcel_label_level;  /* text level with the parcel number (or a combined label) */
	int landuse_label_level; /* -1 if none; ignored when combined_labels */
	int area_label_level;    /* -1 if none; ignored when combined_labels */
	/*
	 * 0: the parcel level holds a bare number ("12"), land use and area are
	 * texts of their own. 1: the parcel level holds labels such as
	 * "1L654/119.3" = land use "1L", parcel 654, area 119.3; "654/119.3" and
	 * "654" are accepted too.
	 */
	int combined_labels;
	td_encoding text_encoding; /* TD_ENC_TCVN3 usually */
	int sheet_label_level;     /* -1 if none: a text with the sheet number (số tờ) */
} td_dgn_profile;

/* Boundaries on 10, parcel numbers on 13, area on 4, land use on 2, TCVN3, no sheet text. */
#define TD_DGN_PROFILE_INIT                                                                                            \
	{                                                                                                              \
		{10}, 1, 13, 2, 4, 0, TD_ENC_TCVN3, -1                                                                 \
	}

/* One face of the boundary network; every face is reported, labelled or not. */
typedef struct td_dgn_parcel {
	long parcel;       /* 0 if the face has no parcel number (see TD_DGN_NO_LABEL) */
	char landuse[16];  /* UTF-8, "" if none; cut at a character boundary */
	double label_area; /* the area written on the map, not the computed one */
	int has_area;
	unsigned char *wkb; /* ISO WKB polygon, little endian, 2D; owned by the result */
	size_t wkb_len;
	double label_x, label_y; /* origin of the parcel-number text, else a point on the face */
	long element;            /* element id of the parcel-number text, -1 if none */
} td_dgn_parcel;

enum {
	TD_DGN_NO_LABEL = 1,      /* a face without a parcel number; element -1, x/y inside it */
	TD_DGN_LABEL_OUTSIDE = 2, /* a text on a label level inside no face */
	TD_DGN_TWO_LABELS = 3,    /* a second parcel number in a face; element and text of the second */
	TD_DGN_DANGLING_LINE = 4  /* a boundary line (part) that closes no face; x/y its middle */
};

typedef struct td_dgn_problem {
	int kind;     /* TD_DGN_* above */
	long element; /* element (OGR feature) id, -1 if none */
	double x, y;
	char text[64]; /* decoded UTF-8 text of the element, "" for lines and faces */
	long parcel;   /* TD_DGN_TWO_LABELS: the number the face kept; else 0 */
} td_dgn_problem;

typedef struct td_dgn_result {
	td_dgn_parcel *parcels; /* sorted by parcel number, unnumbered faces first */
	size_t nparcels;
	td_dgn_problem *problems; /* dangling lines, labels outside, two labels, no label */
	size_t nproblems;
	long sheet; /* the number on the sheet label level; 0 if the profile has none or no text was there */
} td_dgn_result;

/* Set r to an empty result. */
void td_dgn_result_init(td_dgn_result *r);

/*
 * Read the DGN at path with the level roles in p into out (initialised by
 * the caller; released here and refilled, so it may hold an earlier result).
 * h: a GEOS context; its message handler is left as it is.
 * TD_ERR_USAGE for a bad profile; TD_ERR_INPUT naming the file for a missing,
 * truncated or malformed DGN, for text not valid in p->text_encoding and
 * for two different sheet numbers on the sheet label level;
 * TD_ERR_INTERNAL if GEOS fails. On failure out is empty.
 */
td_status td_dgn_read(GEOSContextHandle_t h, const char *path, const td_dgn_profile *p, td_dgn_result *out,
		      td_error *err);

/* Free what r owns and empty it. Accepts NULL. */
void td_dgn_result_release(td_dgn_result *r);

#endif
