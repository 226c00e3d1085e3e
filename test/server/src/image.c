/* PNG files in and out through libpng's simplified API, as 32-bit BGRA pixels (= QXL's xRGB/ARGB words). */
#include <png.h>
#include <string.h>

#include "server.h"

#define IMAGE_MAX_SIDE 16384

Image *image_new(int width, int height)
{
    Image *img = g_new0(Image, 1);
    img->width = width;
    img->height = height;
    img->pixels = g_new0(uint32_t, (gsize)width * (gsize)height);
    return img;
}

void image_free(Image *img)
{
    if (!img) return;
    g_free(img->pixels);
    g_free(img);
}

Image *image_load_png(const char *path, char **error)
{
    png_image png;
    memset(&png, 0, sizeof(png));
    png.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&png, path)) {
        *error = g_strdup_printf("cannot read PNG %s: %s", path, png.message);
        return NULL;
    }
    if (png.width == 0 || png.height == 0 || png.width > IMAGE_MAX_SIDE || png.height > IMAGE_MAX_SIDE) {
        *error = g_strdup_printf("PNG %s has unsupported size %ux%u", path, png.width, png.height);
        png_image_free(&png);
        return NULL;
    }
    png.format = PNG_FORMAT_BGRA;
    Image *img = image_new((int)png.width, (int)png.height);
    if (!png_image_finish_read(&png, NULL, img->pixels, (png_int_32)(png.width * 4), NULL)) {
        *error = g_strdup_printf("cannot decode PNG %s: %s", path, png.message);
        png_image_free(&png);
        image_free(img);
        return NULL;
    }
    return img;
}

gboolean image_save_png(const Image *img, const char *path, char **error)
{
    png_image png;
    memset(&png, 0, sizeof(png));
    png.version = PNG_IMAGE_VERSION;
    png.width = (png_uint_32)img->width;
    png.height = (png_uint_32)img->height;
    png.format = PNG_FORMAT_BGRA;
    if (!png_image_write_to_file(&png, path, 0, img->pixels, img->width * 4, NULL)) {
        *error = g_strdup_printf("cannot write PNG %s: %s", path, png.message);
        return FALSE;
    }
    return TRUE;
}
