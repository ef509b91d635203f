/*
 * tui/ui.c - small helpers on struct ui (see ui.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include "ui.h"

void ui_status(struct ui *ui, enum color_elem e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ui->status, sizeof(ui->status), fmt, ap);
	va_end(ap);
	ui->status_elem = e;
}
