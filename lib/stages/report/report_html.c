/*
 * The weekly report as one HTML page that opens offline: styles in a
 * <style> element, charts as inline SVG, no scripts, fonts or images from
 * anywhere. Numbers are written the Vietnamese way (1.234 and 95,5%).
 */
#include "report_html.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MINUS "\xe2\x88\x92" /* U+2212, the minus sign */

/* Chart geometry (SVG user units): labels, bars, values at the right. */
#define CHART_W 960
#define BAR_X 250
#define BAR_W 560
#define ROW_H 24
#define BAR_H 16
#define CHART_TOP 34

static const char *const group_color[4] = {NULL, "#2e7d32", "#f2a900", "#c62828"};
static const char *const group_text_color[4] = {NULL, "#ffffff", "#1f2933", "#ffffff"};
static const char *const group_label[4] = {NULL, "Nhóm 1 – đạt đúng, đủ, sạch, sống", "Nhóm 2 – cần chỉnh lý, bổ sung",
					   "Nhóm 3 – phải xây dựng lại hoặc chưa xây dựng"};

static void esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

/* 1234567 as "1.234.567". */
static const char *fmt_int(char *buf, size_t size, long v)
{
	char digits[32];
	int n = snprintf(digits, sizeof(digits), "%ld", v < 0 ? -v : v), j = 0;

	if (v < 0)
		j += snprintf(buf + j, size - (size_t)j, MINUS);
	for (int i = 0; i < n && (size_t)j + 2 < size; i++) {
		if (i && (n - i) % 3 == 0)
			buf[j++] = '.';
		buf[j++] = digits[i];
	}
	buf[j] = '\0';
	return buf;
}

/* 95.46 as "95,5%"; NaN as "–". */
static const char *fmt_pct(char *buf, size_t size, double v)
{
	char *comma;

	if (isnan(v)) {
		snprintf(buf, size, "–");
		return buf;
	}
	snprintf(buf, size, "%.1f%%", v);
	if ((comma = strchr(buf, '.')))
		*comma = ',';
	return buf;
}

/* The target: "95%", or "97,5%" when it has a fraction. */
static const char *fmt_target(char *buf, size_t size, double v)
{
	if (v == floor(v)) {
		snprintf(buf, size, "%.0f%%", v);
		return buf;
	}
	return fmt_pct(buf, size, v);
}

/* A change: "+3", "−2", "±0". */
static const char *fmt_change(char *buf, size_t size, long d)
{
	char n[32];

	if (d == 0)
		snprintf(buf, size, "±0");
	else
		snprintf(buf, size, "%s%s", d > 0 ? "+" : MINUS, fmt_int(n, sizeof(n), d > 0 ? d : -d));
	return buf;
}

/* A change in percentage points: "+2,5", "−1,0", "±0". */
static const char *fmt_points(char *buf, size_t size, double d)
{
	char n[32], *comma;

	if (fabs(d) < 0.05) {
		snprintf(buf, size, "±0");
		return buf;
	}
	snprintf(n, sizeof(n), "%.1f", fabs(d));
	if ((comma = strchr(n, '.')))
		*comma = ',';
	snprintf(buf, size, "%s%s", d > 0 ? "+" : MINUS, n);
	return buf;
}

/* yyyy-mm-dd as dd/mm/yyyy. */
static const char *fmt_date(char *buf, size_t size, const char *iso)
{
	if (strlen(iso) == 10)
		snprintf(buf, size, "%.2s/%.2s/%.4s", iso + 8, iso + 5, iso);
	else
		snprintf(buf, size, "%s", iso);
	return buf;
}

/* "2026-W45" as "tuần 45/2026". */
static const char *fmt_week(char *buf, size_t size, const char *week)
{
	if (strlen(week) == 8)
		snprintf(buf, size, "tuần %.2s/%.4s", week + 6, week);
	else
		snprintf(buf, size, "tuần %s", week);
	return buf;
}

/*
 * A change as a small span into buf, coloured by whether it is good news:
 * more parcels in group 1 is good, more in group 3 is bad. Empty without
 * an earlier report.
 */
static const char *change_html(char *buf, size_t size, const td_report_row *row, long now, long prev, int more_is_good)
{
	char n[48];
	long d = now - prev;

	buf[0] = '\0';
	if (row->has_prev)
		snprintf(buf, size, " <span class=\"chg%s\">%s</span>",
			 d == 0                    ? ""
			 : (d > 0) == more_is_good ? " good"
						   : " bad",
			 fmt_change(n, sizeof(n), d));
	return buf;
}

/* The same for a rate, in percentage points; empty without two rates to compare. */
static const char *points_html(char *buf, size_t size, const td_report_row *row)
{
	double now = td_report_rate(&row->now), prev = td_report_rate(&row->prev), d = now - prev;
	char n[48];

	buf[0] = '\0';
	if (row->has_prev && !isnan(d))
		snprintf(buf, size, " <span class=\"chg%s\">%s</span>",
			 fabs(d) < 0.05 ? ""
			 : d > 0        ? " good"
					: " bad",
			 fmt_points(n, sizeof(n), d));
	return buf;
}

static void head(FILE *f, const td_report *r)
{
	char week[32];

	fmt_week(week, sizeof(week), r->week);
	fprintf(f,
		"<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		"<meta name=\"generator\" content=\"thuadat " TD_VERSION "\">\n"
		"<title>Báo cáo tiến độ %s</title>\n",
		week);
	fputs("<style>\n"
	      "body{margin:0;background:#f3f5f8;color:#1f2933;font:15px/1.45 \"Segoe UI\",Roboto,\"Noto Sans\","
	      "\"DejaVu Sans\",Arial,sans-serif}\n"
	      "main{max-width:1040px;margin:0 auto;padding:24px 20px 40px}\n"
	      "h1{font-size:24px;margin:0 0 4px}\n"
	      "h2{font-size:18px;margin:0 0 12px}\n"
	      ".meta{color:#52606d;margin:0 0 20px}\n"
	      ".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(175px,1fr));gap:12px;margin:0 0 20px}\n"
	      ".card{background:#fff;border-radius:8px;padding:12px 16px;box-shadow:0 1px 3px rgba(15,23,42,.12)}\n"
	      ".card .v{font-size:26px;font-weight:600;line-height:1.2}\n"
	      ".card .l{color:#52606d;font-size:13px}\n"
	      ".card.alert{border-left:4px solid #c62828}\n"
	      "section{background:#fff;border-radius:8px;padding:16px 18px;margin:0 0 20px;"
	      "box-shadow:0 1px 3px rgba(15,23,42,.12)}\n"
	      "svg{display:block;width:100%;height:auto}\n"
	      "svg text{font-family:inherit;font-size:12px;fill:#1f2933}\n"
	      "table{border-collapse:collapse;width:100%;font-size:14px}\n"
	      "th,td{padding:6px 8px;border-bottom:1px solid #e4e7eb;text-align:right;vertical-align:top}\n"
	      "th{background:#f7f9fb;font-weight:600}\n"
	      "td.t{white-space:nowrap}\n"
	      "th.t,td.t{text-align:left}\n"
	      "tr.total td{font-weight:600;border-top:2px solid #9aa5b1}\n"
	      ".chg{color:#52606d;font-size:12px;white-space:nowrap}\n"
	      ".good{color:#1b7f3b}.bad{color:#b42318}\n"
	      ".ok{color:#1b7f3b;font-weight:600}.no{color:#b42318;font-weight:600}\n"
	      ".note{color:#52606d;font-size:13px;margin:8px 0 0}\n"
	      "footer{color:#7b8794;font-size:12px;text-align:center}\n"
	      "@media print{body{background:#fff}section,.card{box-shadow:none;border:1px solid #d9e2ec}}\n"
	      "</style>\n</head>\n<body>\n<main>\n",
	      f);
}

static void title(FILE *f, const td_report *r)
{
	char week[32], from[16], to[16], as_of[16], prev[32];

	fputs("<h1>Báo cáo tiến độ làm sạch dữ liệu đất đai</h1>\n<p class=\"meta\">", f);
	fmt_week(week, sizeof(week), r->week);
	week[0] = 'T'; /* "tuần" starts the line: "Tuần" */
	fprintf(f, "%s (%s – %s) · số liệu tính đến ngày %s · ", week, fmt_date(from, sizeof(from), r->from),
		fmt_date(to, sizeof(to), r->to), fmt_date(as_of, sizeof(as_of), r->as_of));
	if (r->total.has_prev)
		fprintf(f, "so với báo cáo %s", fmt_week(prev, sizeof(prev), r->total.prev_week));
	else
		fputs("chưa có báo cáo trước để so sánh", f);
	fputs("</p>\n", f);
}

/* A figure of the total: label, value, a line of detail and the change (HTML, may be empty). */
static void card(FILE *f, const char *cls, const char *label, const char *value, const char *detail, const char *change)
{
	fprintf(f,
		"<div class=\"card%s\"><div class=\"l\">%s</div><div class=\"v\">%s</div><div class=\"l\">%s%s</div>"
		"</div>\n",
		cls, label, value, detail, change);
}

static void cards(FILE *f, const td_report *r)
{
	const td_report_row *t = &r->total;
	const td_report_figures *n = &t->now, *p = &t->prev;
	double rate = td_report_rate(n);
	char v[64], detail[256], chg[128], a[32], b[32], c[32];

	fputs("<div class=\"cards\">\n", f);
	card(f, "", "Tổng số thửa", fmt_int(v, sizeof(v), n->parcels), "",
	     change_html(chg, sizeof(chg), t, n->parcels, p->parcels, 1));
	for (int g = 1; g <= 3; g++) {
		char label[32];
		snprintf(label, sizeof(label), "Nhóm %d", g);
		snprintf(detail, sizeof(detail), "%s tổng số",
			 fmt_pct(a, sizeof(a), n->parcels ? 100.0 * (double)n->group[g] / (double)n->parcels : NAN));
		card(f, "", label, fmt_int(v, sizeof(v), n->group[g]), detail,
		     change_html(chg, sizeof(chg), t, n->group[g], p->group[g], g == 1));
	}
	snprintf(detail, sizeof(detail), "%s/%s chủ có GCN · chỉ tiêu %s: <span class=\"%s\">%s</span>",
		 fmt_int(a, sizeof(a), n->verified), fmt_int(b, sizeof(b), n->holders),
		 fmt_target(c, sizeof(c), r->target), !isnan(rate) && rate >= r->target ? "ok" : "no",
		 isnan(rate)         ? "chưa có số liệu"
		 : rate >= r->target ? "đạt"
				     : "chưa đạt");
	card(f, "", "Tỷ lệ xác thực chủ sử dụng", fmt_pct(v, sizeof(v), rate), detail,
	     points_html(chg, sizeof(chg), t));
	card(f, "", "GCN cấp mới, cập nhật trong tuần", fmt_int(v, sizeof(v), n->updated), "",
	     change_html(chg, sizeof(chg), t, n->updated, p->updated, 1));
	snprintf(detail, sizeof(detail), "quá %d ngày chưa xử lý", r->deadline_days);
	card(f, n->overdue ? " alert" : "", "Biến động quá hạn", fmt_int(v, sizeof(v), n->overdue), detail,
	     change_html(chg, sizeof(chg), t, n->overdue, p->overdue, 0));
	fputs("</div>\n", f);
}

/* A row's label at the left of a chart: code and name. */
static void row_label(FILE *f, const td_report_row *row, double y)
{
	fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\"%s>", BAR_X - 10, y + BAR_H - 4,
		row->commune[0] ? "" : " font-weight=\"600\"");
	if (row->commune[0]) {
		esc(f, row->commune);
		fputs(" ", f);
	}
	esc(f, row->name);
	fputs("</text>\n", f);
}

/* Vertical grid lines at 0, 25, 50, 75 and 100 % with their labels below the rows. */
static void grid(FILE *f, int rows)
{
	int bottom = CHART_TOP + rows * ROW_H;
	char pct[16];

	for (int i = 0; i <= 4; i++) {
		double x = BAR_X + BAR_W * i / 4.0;
		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#d9e2ec\"/>\n", x, CHART_TOP - 4,
			x, bottom);
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#52606d\">%s</text>\n", x,
			bottom + 14, fmt_target(pct, sizeof(pct), 25.0 * i));
	}
}

static const td_report_row *chart_row(const td_report *r, int i)
{
	return i == 0 ? &r->total : &r->communes[i - 1];
}

/* Parcels per group as 100 % stacked bars, the total first. */
static void groups_chart(FILE *f, const td_report *r)
{
	int rows = r->ncommunes + 1, height = CHART_TOP + rows * ROW_H + 22;
	char n[32], pct[32];

	fputs("<section>\n<h2>Phân nhóm thửa đất theo xã</h2>\n", f);
	fprintf(f,
		"<svg viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"Tỷ lệ thửa đất nhóm 1, 2, 3 theo xã\" "
		"xmlns=\"http://www.w3.org/2000/svg\">\n",
		CHART_W, height);
	for (int g = 1; g <= 3; g++) {
		int x = g == 1 ? 0 : g == 2 ? 250 : 480;
		fprintf(f,
			"<rect x=\"%d\" y=\"4\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%d\" "
			"y=\"14\">%s</text>\n",
			x, group_color[g], x + 18, group_label[g]);
	}
	grid(f, rows);
	for (int i = 0; i < rows; i++) {
		const td_report_row *row = chart_row(r, i);
		const td_report_figures *x = &row->now;
		double y = CHART_TOP + i * ROW_H + (ROW_H - BAR_H) / 2.0, at = BAR_X;

		row_label(f, row, y);
		for (int g = 1; g <= 3 && x->parcels > 0; g++) {
			double w = BAR_W * (double)x->group[g] / (double)x->parcels;
			if (x->group[g] == 0)
				continue;
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>", at,
				y, w, BAR_H, group_color[g]);
			esc(f, row->commune[0] ? row->commune : row->name);
			fprintf(f, " – nhóm %d: %s thửa (%s)</title></rect>\n", g, fmt_int(n, sizeof(n), x->group[g]),
				fmt_pct(pct, sizeof(pct), 100.0 * (double)x->group[g] / (double)x->parcels));
			if (w >= 8.0 * (double)strlen(fmt_int(n, sizeof(n), x->group[g])) + 6)
				fprintf(f,
					"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
					"style=\"fill:%s\">%s</text>\n",
					at + w / 2, y + BAR_H - 4, group_text_color[g], n);
			at += w;
		}
		fprintf(f, "<text x=\"%d\" y=\"%.1f\">%s thửa</text>\n", BAR_X + BAR_W + 10, y + BAR_H - 4,
			fmt_int(n, sizeof(n), x->parcels));
	}
	fputs("</svg>\n</section>\n", f);
}

/* Verification rate per commune as bars against the target line. */
static void verification_chart(FILE *f, const td_report *r)
{
	int rows = r->ncommunes + 1, height = CHART_TOP + rows * ROW_H + 22;
	double tx = BAR_X + BAR_W * r->target / 100.0;
	char pct[32], a[32], b[32];

	fputs("<section>\n<h2>Tỷ lệ xác thực chủ sử dụng so với chỉ tiêu</h2>\n", f);
	fprintf(f,
		"<svg viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"Tỷ lệ xác thực theo xã so với chỉ tiêu %s\" "
		"xmlns=\"http://www.w3.org/2000/svg\">\n",
		CHART_W, height, fmt_target(pct, sizeof(pct), r->target));
	grid(f, rows);
	for (int i = 0; i < rows; i++) {
		const td_report_row *row = chart_row(r, i);
		double rate = td_report_rate(&row->now);
		double y = CHART_TOP + i * ROW_H + (ROW_H - BAR_H) / 2.0;

		row_label(f, row, y);
		if (isnan(rate)) {
			fprintf(f,
				"<text x=\"%d\" y=\"%.1f\" fill=\"#7b8794\" style=\"fill:#7b8794\">chưa có chủ có "
				"GCN</text>\n",
				BAR_X + 6, y + BAR_H - 4);
			continue;
		}
		fprintf(f, "<rect x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>", BAR_X, y,
			BAR_W * rate / 100.0, BAR_H, rate >= r->target ? "#2e7d32" : "#e8710a");
		esc(f, row->commune[0] ? row->commune : row->name);
		fprintf(f, ": %s/%s chủ đã xác thực</title></rect>\n", fmt_int(a, sizeof(a), row->now.verified),
			fmt_int(b, sizeof(b), row->now.holders));
		fprintf(f, "<text x=\"%d\" y=\"%.1f\">%s (%s/%s)</text>\n", BAR_X + BAR_W + 10, y + BAR_H - 4,
			fmt_pct(pct, sizeof(pct), rate), a, b);
	}
	fprintf(f,
		"<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#b42318\" stroke-width=\"2\" "
		"stroke-dasharray=\"6 4\"/>\n",
		tx, CHART_TOP - 12, tx, CHART_TOP + rows * ROW_H);
	fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\" style=\"fill:#b42318\">Chỉ tiêu %s</text>\n", tx - 4,
		CHART_TOP - 14, fmt_target(pct, sizeof(pct), r->target));
	fputs("</svg>\n</section>\n", f);
}

static void table_row(FILE *f, const td_report *r, const td_report_row *row)
{
	const td_report_figures *n = &row->now, *p = &row->prev;
	double rate = td_report_rate(n);
	char v[32], w[32], chg[128];

	fprintf(f, "<tr%s><td class=\"t\">", row->commune[0] ? "" : " class=\"total\"");
	esc(f, row->commune);
	fputs("</td><td class=\"t\">", f);
	esc(f, row->name);
	fprintf(f, "</td><td>%s%s", fmt_int(v, sizeof(v), n->parcels),
		change_html(chg, sizeof(chg), row, n->parcels, p->parcels, 1));
	for (int g = 1; g <= 3; g++)
		fprintf(f, "</td><td>%s%s", fmt_int(v, sizeof(v), n->group[g]),
			change_html(chg, sizeof(chg), row, n->group[g], p->group[g], g == 1));
	fprintf(f, "</td><td>%s/%s", fmt_int(v, sizeof(v), n->verified), fmt_int(w, sizeof(w), n->holders));
	fprintf(f, "</td><td><span class=\"%s\">%s</span>%s",
		isnan(rate)         ? ""
		: rate >= r->target ? "ok"
				    : "no",
		fmt_pct(v, sizeof(v), rate), points_html(chg, sizeof(chg), row));
	fprintf(f, "</td><td>%s%s", fmt_int(v, sizeof(v), n->updated),
		change_html(chg, sizeof(chg), row, n->updated, p->updated, 1));
	fprintf(f, "</td><td>%s%s</td></tr>\n", fmt_int(v, sizeof(v), n->overdue),
		change_html(chg, sizeof(chg), row, n->overdue, p->overdue, 0));
}

static void figures_table(FILE *f, const td_report *r)
{
	fputs("<section>\n<h2>Số liệu theo xã</h2>\n<table>\n<thead><tr><th class=\"t\">Mã xã</th>"
	      "<th class=\"t\">Tên xã</th><th>Tổng số thửa</th><th>Nhóm 1</th><th>Nhóm 2</th><th>Nhóm 3</th>"
	      "<th>Đã xác thực / có GCN</th><th>Tỷ lệ xác thực</th><th>GCN cập nhật trong tuần</th>"
	      "<th>Biến động quá hạn</th></tr></thead>\n<tbody>\n",
	      f);
	for (int i = 0; i < r->ncommunes; i++)
		table_row(f, r, &r->communes[i]);
	table_row(f, r, &r->total);
	fputs("</tbody>\n</table>\n", f);
	if (r->total.has_prev)
		fputs("<p class=\"note\">Số nhỏ bên cạnh: thay đổi so với báo cáo trước "
		      "(tỷ lệ xác thực: điểm phần trăm).</p>\n",
		      f);
	fputs("</section>\n", f);
}

static void alerts_table(FILE *f, const td_report *r)
{
	char buf[32], a[32], b[32];
	long total = r->total.now.overdue;

	fprintf(f, "<section>\n<h2>Cảnh báo: biến động quá hạn (quá %d ngày)</h2>\n", r->deadline_days);
	if (total == 0) {
		fputs("<p>Không có biến động nào quá hạn.</p>\n</section>\n", f);
		return;
	}
	fputs("<table>\n<thead><tr><th class=\"t\">Mã xã</th><th class=\"t\">Tên xã</th><th>Tờ</th><th>Thửa</th>"
	      "<th class=\"t\">Mã định danh</th><th>Đăng ký biến động</th><th>Số ngày chờ</th>"
	      "<th>Quá hạn (ngày)</th><th>Dòng trong sổ</th></tr></thead>\n<tbody>\n",
	      f);
	for (int i = 0; i < r->nalerts; i++) {
		const td_report_alert *x = &r->alerts[i];
		const td_report_row *row = NULL;

		for (int k = 0; k < r->ncommunes && !row; k++)
			if (strcmp(r->communes[k].commune, x->commune) == 0)
				row = &r->communes[k];
		fputs("<tr><td class=\"t\">", f);
		esc(f, x->commune);
		fputs("</td><td class=\"t\">", f);
		esc(f, row ? row->name : "");
		fprintf(f, "</td><td>%ld</td><td>%ld</td><td class=\"t\">", x->sheet, x->parcel);
		esc(f, x->parcel_id);
		fprintf(f, "</td><td>%s</td><td>%s</td><td class=\"bad\">%s</td><td>%ld</td></tr>\n",
			fmt_date(buf, sizeof(buf), x->since), fmt_int(a, sizeof(a), x->days),
			fmt_int(b, sizeof(b), x->days - r->deadline_days), x->source_row);
	}
	fputs("</tbody>\n</table>\n", f);
	if (total > r->nalerts)
		fprintf(f, "<p class=\"note\">Còn %s thửa quá hạn khác: xem danh sách đầy đủ trong tệp Excel.</p>\n",
			fmt_int(buf, sizeof(buf), total - r->nalerts));
	fputs("</section>\n", f);
}

void td_report_write_html(const td_report *r, FILE *f)
{
	head(f, r);
	title(f, r);
	cards(f, r);
	groups_chart(f, r);
	verification_chart(f, r);
	figures_table(f, r);
	alerts_table(f, r);
	fputs("<footer>Lập bằng thuadat " TD_VERSION ". Tệp này mở được khi không có mạng.</footer>\n"
	      "</main>\n</body>\n</html>\n",
	      f);
}
