#include "app/core/image_integrity.h"

#include <csetjmp>
#include <cstdio>
#include <cctype>
#include <string>
#include <vector>

#include <jpeglib.h>
#include <png.h>

namespace pastiche {

namespace {

// ---- JPEG ----
struct JpegErrors {
    jpeg_error_mgr mgr;
    std::jmp_buf jump;
    std::string message;
};

void jpegErrorExit(j_common_ptr cinfo) {
    auto* e = reinterpret_cast<JpegErrors*>(cinfo->err);
    char buf[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, buf);
    e->message = buf;
    std::longjmp(e->jump, 1);
}

void jpegMessage(j_common_ptr cinfo, int level) {
    if (level >= 0) return;  // trace messages
    // A warning (level -1): corrupt data that libjpeg conceals (grey blocks). Stop here.
    jpegErrorExit(cinfo);
}

// ---- PNG ----
struct PngReader {
    const uint8_t* data;
    size_t size, pos = 0;
    std::jmp_buf jump;
    std::string message;
};

void pngRead(png_structp png, png_bytep out, png_size_t n) {
    auto* r = static_cast<PngReader*>(png_get_io_ptr(png));
    if (r->size - r->pos < n) png_error(png, "the file ends early (truncated)");
    std::copy(r->data + r->pos, r->data + r->pos + n, out);
    r->pos += n;
}

void pngError(png_structp png, png_const_charp message) {
    auto* r = static_cast<PngReader*>(png_get_error_ptr(png));
    r->message = message;
    std::longjmp(r->jump, 1);
}

// libpng prefixes chunk warnings with the chunk name; a lower-case first letter marks an
// ancillary chunk (metadata the image does not depend on).
bool isAncillaryChunkWarning(const char* message) {
    return std::islower(static_cast<unsigned char>(message[0])) && message[1] && message[2] && message[3] &&
           message[4] == ':';
}

void pngWarning(png_structp png, png_const_charp message) {
    if (isAncillaryChunkWarning(message)) return;
    pngError(png, message);
}

}  // namespace

Status checkJpegIntegrity(const uint8_t* data, size_t size) {
    jpeg_decompress_struct cinfo{};
    JpegErrors errors;
    cinfo.err = jpeg_std_error(&errors.mgr);
    errors.mgr.error_exit = jpegErrorExit;
    errors.mgr.emit_message = jpegMessage;
    std::vector<JSAMPLE> row;
    if (setjmp(errors.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return Status::corrupt("corrupt or truncated JPEG (" + errors.message + ")");
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, static_cast<unsigned long>(size));
    jpeg_read_header(&cinfo, TRUE);
    cinfo.dct_method = JDCT_IFAST;  // only checking: speed over precision
    cinfo.do_fancy_upsampling = FALSE;
    jpeg_start_decompress(&cinfo);
    row.resize(size_t(cinfo.output_width) * size_t(cinfo.output_components));
    JSAMPROW rows[1] = {row.data()};
    while (cinfo.output_scanline < cinfo.output_height) jpeg_read_scanlines(&cinfo, rows, 1);
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return Status::ok();
}

Status checkPngIntegrity(const uint8_t* data, size_t size) {
    PngReader reader{};
    reader.data = data;
    reader.size = size;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &reader, pngError, pngWarning);
    if (!png) return Status::outOfMemory("cannot create a PNG reader");
    png_infop info = png_create_info_struct(png);
    std::vector<png_byte> row;
    if (!info || setjmp(reader.jump)) {
        png_destroy_read_struct(&png, info ? &info : nullptr, nullptr);
        return Status::corrupt("corrupt or truncated PNG (" + reader.message + ")");
    }
    png_set_read_fn(png, &reader, pngRead);
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);  // the header check applies our own cap
    png_read_info(png, info);
    const int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);
    row.resize(png_get_rowbytes(png, info));
    const png_uint_32 height = png_get_image_height(png, info);
    for (int pass = 0; pass < passes; ++pass)
        for (png_uint_32 y = 0; y < height; ++y) png_read_row(png, row.data(), nullptr);
    png_read_end(png, nullptr);  // checks the CRCs and chunks after the image data too
    png_destroy_read_struct(&png, &info, nullptr);
    return Status::ok();
}

}  // namespace pastiche
