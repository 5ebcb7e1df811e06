/* wasmopt/wasm_scan: the outer structure check of WebAssembly binaries. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "../../wasmopt/wasm_scan.h"
#include "../../lib/common.h"

#define HDR 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00
/* type section: one type, () -> () */
#define TYPE_SEC 0x01, 0x04, 0x01, 0x60, 0x00, 0x00
/* function section: one function of type 0 */
#define FUNC_SEC 0x03, 0x02, 0x01, 0x00
/* code section: one body, no locals, `end` */
#define CODE_SEC 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b

static void scan_ok(const unsigned char *b, size_t len, wp_wasm_summary *sum)
{
	wp_error *err = NULL;
	int r = wp_wasm_scan_bytes(b, len, "m.wasm", sum, &err);

	assert_ok(r, err);
}

static void scan_fails(const unsigned char *b, size_t len, const char *needle)
{
	wp_wasm_summary sum = {0};
	wp_error *err = NULL;
	int r = wp_wasm_scan_bytes(b, len, "m.wasm", &sum, &err);

	assert_error(r, err, WP_EINVALID, needle);
	cr_assert_eq(sum.size, 0, "out untouched on failure");
}

static void assert_kind(const wp_wasm_summary *sum, wp_wasm_kind kind, unsigned int version,
			const char *name)
{
	cr_assert_eq(sum->kind, kind);
	cr_assert_eq(sum->version, version);
	cr_assert_str_eq(wp_wasm_kind_name(sum->kind), name);
}

Test(wasm_scan, empty_file)
{
	scan_fails((const unsigned char *)"", 0,
		   "\"m.wasm\": not a WebAssembly binary: the file is empty");
}

Test(wasm_scan, text_is_bad_magic)
{
	scan_fails((const unsigned char *)"hello", 5,
		   "\"m.wasm\": offset 0x0: not a WebAssembly binary: expected the magic bytes "
		   "00 61 73 6d (\"\\0asm\"), found 68 65 6c 6c");
	/* the text format is the usual mistake */
	scan_fails((const unsigned char *)"(module)", 8, "found 28 6d 6f 64");
}

Test(wasm_scan, shorter_than_the_magic)
{
	static const unsigned char b[] = {0x00, 0x61, 0x73};

	scan_fails(b, sizeof(b),
		   "expected the magic bytes 00 61 73 6d (\"\\0asm\"), found 00 61 73");
}

Test(wasm_scan, magic_only_is_a_truncated_header)
{
	static const unsigned char b[] = {0x00, 0x61, 0x73, 0x6d};
	static const unsigned char six[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00};

	scan_fails(b, sizeof(b),
		   "\"m.wasm\": offset 0x4: truncated header: 8 bytes needed, the file has 4");
	scan_fails(six, sizeof(six),
		   "offset 0x6: truncated header: 8 bytes needed, the file has 6");
}

Test(wasm_scan, version_2_is_unsupported)
{
	static const unsigned char b[] = {0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00};

	scan_fails(b, sizeof(b), "offset 0x4: unsupported core module version 2 (expected 1)");
}

Test(wasm_scan, unknown_layer)
{
	static const unsigned char b[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x02, 0x00};

	scan_fails(b, sizeof(b), "offset 0x6: unknown binary layer 2");
}

Test(wasm_scan, header_only_module_is_valid)
{
	static const unsigned char b[] = {HDR};
	wp_wasm_summary sum;

	scan_ok(b, sizeof(b), &sum);
	assert_kind(&sum, WP_WASM_CORE_MODULE, 1, "core module");
	cr_assert_eq(sum.size, 8);
	cr_assert_eq(sum.sections, 0);
	cr_assert_eq(sum.custom_sections, 0);
	cr_assert_eq(sum.code_size, 0);
}

Test(wasm_scan, type_then_function_is_valid)
{
	static const unsigned char b[] = {HDR, TYPE_SEC, FUNC_SEC};
	wp_wasm_summary sum;

	scan_ok(b, sizeof(b), &sum);
	cr_assert_eq(sum.sections, 2);
	cr_assert_eq(sum.size, sizeof(b));
}

Test(wasm_scan, function_before_type_is_out_of_order)
{
	static const unsigned char b[] = {HDR, FUNC_SEC, TYPE_SEC};

	/* the type section starts at 8 + 4 */
	scan_fails(b, sizeof(b),
		   "\"m.wasm\": offset 0xc: type section (id 1) after the function section (id "
		   "3) is out of order");
}

Test(wasm_scan, duplicate_section)
{
	static const unsigned char b[] = {HDR, TYPE_SEC, TYPE_SEC};

	scan_fails(b, sizeof(b), "offset 0xe: duplicate type section");
}

Test(wasm_scan, special_orders_of_tag_and_datacount)
{
	/* tag (13) goes between memory (5) and global (6); datacount (12)
	 * before code (10) */
	static const unsigned char ok[] = {HDR,	 0x05, 0x01, 0x00, 0x0d, 0x01, 0x00, 0x06,
					   0x01, 0x00, 0x0c, 0x01, 0x00, 0x0a, 0x01, 0x00};
	static const unsigned char tag_late[] = {HDR, 0x06, 0x01, 0x00, 0x0d, 0x01, 0x00};
	static const unsigned char dc_late[] = {HDR, 0x0a, 0x01, 0x00, 0x0c, 0x01, 0x00};
	wp_wasm_summary sum;

	scan_ok(ok, sizeof(ok), &sum);
	cr_assert_eq(sum.sections, 5);
	scan_fails(tag_late, sizeof(tag_late),
		   "offset 0xb: tag section (id 13) after the global section (id 6)");
	scan_fails(dc_late, sizeof(dc_late),
		   "offset 0xb: datacount section (id 12) after the code section (id 10)");
}

Test(wasm_scan, section_size_past_the_end)
{
	static const unsigned char b[] = {HDR, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f};
	static const unsigned char small[] = {HDR, TYPE_SEC, 0x0a, 0x10, 0x01, 0x02};

	scan_fails(b, sizeof(b),
		   "\"m.wasm\": offset 0x8: section 1 (type) declares 4294967295 bytes but only 0 "
		   "remain in the file");
	scan_fails(small, sizeof(small),
		   "offset 0xe: section 10 (code) declares 16 bytes but only 2 remain");
}

Test(wasm_scan, overlong_leb_is_refused)
{
	/* six bytes: a u32 takes at most five */
	static const unsigned char six[] = {HDR, 0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
	/* five bytes with bits past 32 */
	static const unsigned char wide[] = {HDR, 0x01, 0x80, 0x80, 0x80, 0x80, 0x10};

	scan_fails(six, sizeof(six),
		   "offset 0x9: section 1 (type): size is not a valid u32 LEB128");
	scan_fails(wide, sizeof(wide), "offset 0x9: section 1 (type): size is not a valid u32");
}

Test(wasm_scan, padded_leb_is_accepted)
{
	/* 4 as a five-byte LEB128: redundant but valid */
	static const unsigned char b[] = {HDR,	0x01, 0x84, 0x80, 0x80, 0x80,
					  0x00, 0x01, 0x60, 0x00, 0x00};
	wp_wasm_summary sum;

	scan_ok(b, sizeof(b), &sum);
	cr_assert_eq(sum.sections, 1);
}

Test(wasm_scan, truncated_section_size)
{
	static const unsigned char b[] = {HDR, 0x01, 0x80};
	static const unsigned char id_only[] = {HDR, 0x01};

	scan_fails(b, sizeof(b),
		   "offset 0x8: section 1 (type): size truncated by the end of the file");
	scan_fails(id_only, sizeof(id_only), "offset 0x8: section 1 (type): size truncated");
}

Test(wasm_scan, unknown_section_id)
{
	static const unsigned char b[] = {HDR, 0x0e, 0x00};

	scan_fails(b, sizeof(b), "\"m.wasm\": offset 0x8: unknown section id 14");
}

Test(wasm_scan, component_header)
{
	static const unsigned char b[] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00,
					  /* a core module section, empty */
					  0x01, 0x00, 0x00, 0x05, 0x04, 0x6e, 0x61, 0x6d, 0x65};
	wp_wasm_summary sum;

	scan_ok(b, sizeof(b), &sum);
	assert_kind(&sum, WP_WASM_COMPONENT, 0x0d, "component");
	cr_assert_eq(sum.sections, 2);
	cr_assert_eq(sum.custom_sections, 1);
}

Test(wasm_scan, component_section_ids)
{
	/* ids up to 11 exist in components, whatever their order */
	static const unsigned char ok[] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01,
					   0x00, 0x0b, 0x00, 0x0a, 0x00, 0x0b, 0x00};
	static const unsigned char bad[] = {0x00, 0x61, 0x73, 0x6d, 0x0d,
					    0x00, 0x01, 0x00, 0x0c, 0x00};
	wp_wasm_summary sum;

	scan_ok(ok, sizeof(ok), &sum);
	cr_assert_eq(sum.sections, 3);
	scan_fails(bad, sizeof(bad), "offset 0x8: unknown component section id 12");
}

Test(wasm_scan, component_pre_release_version)
{
	static const unsigned char b[] = {0x00, 0x61, 0x73, 0x6d, 0x0a, 0x00, 0x01, 0x00};

	scan_fails(b, sizeof(b),
		   "offset 0x4: component binary version 0xa is a pre-release encoding (expected "
		   "0xd); rebuild it with a current toolchain");
}

Test(wasm_scan, custom_section_with_bad_utf8_name)
{
	/* payload: name length 2, name ff fe, one byte of content */
	static const unsigned char b[] = {HDR, 0x00, 0x04, 0x02, 0xff, 0xfe, 0x00};

	scan_fails(b, sizeof(b), "offset 0xb: custom section name is not valid UTF-8");
}

/* U+0000 is a valid character of a WebAssembly name (the reader and wabt
 * accept it); found by tests/fuzz/fuzz_wasm.c */
Test(wasm_scan, custom_section_name_with_nul_is_valid)
{
	static const unsigned char b[] = {HDR, 0x00, 0x04, 0x03, 'a', 0x00, 'b'};
	wp_wasm_summary sum;

	scan_ok(b, sizeof(b), &sum);
	cr_assert_eq(sum.custom_sections, 1);
}

Test(wasm_scan, custom_section_name_past_the_section)
{
	static const unsigned char b[] = {HDR, 0x00, 0x02, 0x05, 0x61};
	/* the name fits the file but not the section */
	static const unsigned char b2[] = {HDR, 0x00, 0x02, 0x02, 0x61, 0x62, 0x63};

	scan_fails(b, sizeof(b),
		   "offset 0xa: custom section name of 5 bytes runs past its section (2 bytes)");
	scan_fails(b2, sizeof(b2),
		   "custom section name of 2 bytes runs past its section (2 bytes)");
}

Test(wasm_scan, custom_section_without_a_name)
{
	static const unsigned char empty[] = {HDR, 0x00, 0x00};
	static const unsigned char bad_leb[] = {HDR,  0x00, 0x06, 0x80, 0x80,
						0x80, 0x80, 0x80, 0x00};

	scan_fails(empty, sizeof(empty), "offset 0xa: custom section name length is truncated");
	scan_fails(bad_leb, sizeof(bad_leb),
		   "custom section name length is not a valid u32 LEB128");
}

Test(wasm_scan, counts_sections)
{
	static const unsigned char b[] =
		{
			HDR,	  0x00,	    0x05, 0x04, 'n',
			'a',	  'm',	    'e', /* custom "name", 5 bytes */
			TYPE_SEC, 0x00,	    0x04, 0x01, 'a',
			0xc3,	  0xa9,			      /* custom "a" + 2 bytes, 4 bytes */
			FUNC_SEC, CODE_SEC, 0x00, 0x01, 0x00, /* custom "", 1 byte */
		};
	wp_wasm_summary sum;

	scan_ok(b, sizeof(b), &sum);
	cr_assert_eq(sum.kind, WP_WASM_CORE_MODULE);
	cr_assert_eq(sum.size, sizeof(b));
	cr_assert_eq(sum.sections, 6);
	cr_assert_eq(sum.custom_sections, 3);
	cr_assert_eq(sum.custom_size, 5 + 4 + 1);
	cr_assert_eq(sum.code_size, 4);
}

Test(wasm_scan, file_and_fd_agree_with_bytes)
{
	static const unsigned char b[] = {HDR, TYPE_SEC, FUNC_SEC, CODE_SEC};
	static const unsigned char bad[] = {HDR, FUNC_SEC, TYPE_SEC};
	char *dir = test_mkdtemp();
	_cleanup_free_ char *good_path = test_write_file(dir, "ok.wasm", b, sizeof(b), 0644);
	_cleanup_free_ char *bad_path = test_write_file(dir, "bad.wasm", bad, sizeof(bad), 0644);
	_cleanup_free_ char *missing = test_path(dir, "missing.wasm");
	wp_wasm_summary sum;
	wp_error *err = NULL;
	int fd, r = wp_wasm_scan_file(good_path, &sum, &err);

	assert_ok(r, err);
	cr_assert_eq(sum.sections, 3);
	cr_assert_eq(sum.code_size, 4);
	cr_assert_eq(sum.size, sizeof(b));
	fd = open(good_path, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	cr_assert_eq(lseek(fd, 5, SEEK_SET), 5);
	r = wp_wasm_scan_fd(fd, "fd", &sum, &err);
	assert_ok(r, err);
	cr_assert_eq(sum.sections, 3);
	cr_assert_eq(lseek(fd, 0, SEEK_CUR), 5, "the offset is kept");
	close(fd);
	r = wp_wasm_scan_file(bad_path, &sum, &err);
	assert_error(r, err, WP_EINVALID, "bad.wasm\": offset 0xc: type section");
	r = wp_wasm_scan_file(missing, &sum, &err);
	assert_error(r, err, WP_ENOTFOUND, "cannot open");
	r = wp_wasm_scan_file(dir, &sum, &err);
	assert_error(r, err, WP_EINVALID, "is a directory, not a .wasm file");
	test_rmtree(dir);
}

Test(wasm_scan, section_names)
{
	cr_assert_str_eq(wp_wasm_core_section_name(0), "custom");
	cr_assert_str_eq(wp_wasm_core_section_name(10), "code");
	cr_assert_str_eq(wp_wasm_core_section_name(12), "datacount");
	cr_assert_str_eq(wp_wasm_core_section_name(13), "tag");
	cr_assert_str_eq(wp_wasm_core_section_name(14), "unknown");
	cr_assert_str_eq(wp_wasm_core_section_name(255), "unknown");
}
