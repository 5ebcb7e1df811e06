/* oci/config: the image configuration's canonical form (golden files),
 * parsing back and the parser's refusals. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "../../oci/config.h"
#include "../../lib/common.h"

#define GOLDEN "../data/golden/"
#define D_EMPTY "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static void build_full_config(wp_image_config *c)
{
	wp_history h1 = {0}, h2 = {0};
	wp_error *err = NULL;
	int r;

	memset(c, 0, sizeof(*c));
	c->created = test_xstrdup("2024-01-02T03:04:05Z");
	c->author = test_xstrdup("Jane Doe <jane@example.com>");
	c->platform.os = test_xstrdup("wasip1");
	c->platform.architecture = test_xstrdup("wasm");
	c->user = test_xstrdup("1000:1000");
	c->working_dir = test_xstrdup("/app");
	c->stop_signal = test_xstrdup("SIGTERM");
	test_strv_push(&c->env, "PATH=/bin");
	test_strv_push(&c->env, "A=b");
	test_strv_push(&c->entrypoint, "/app/x.wasm");
	test_strv_push(&c->entrypoint, "--serve");
	c->has_entrypoint = true;
	c->has_cmd = true; /* an explicit empty Cmd */
	test_strv_push(&c->exposed_ports, "8080/tcp");
	test_strv_push(&c->volumes, "/data");
	test_kv_set(&c->labels, "org.example.team", "runtime");
	test_strv_push(&c->diff_ids, D_EMPTY);
	h1.created = (char *)"2024-01-02T03:04:05Z";
	h1.created_by = (char *)"wasmpack build";
	h1.comment = (char *)"wasmpack";
	r = wp_image_config_add_history(c, &h1, &err);
	assert_ok(r, err);
	h2.created_by = (char *)"ENV A=b";
	h2.empty_layer = true;
	r = wp_image_config_add_history(c, &h2, &err);
	assert_ok(r, err);
}

/* An empty config for the platform `platform`. */
static void config_for(wp_image_config *c, const char *platform)
{
	wp_error *err = NULL;
	int r;

	memset(c, 0, sizeof(*c));
	r = wp_platform_parse(&c->platform, platform, &err);
	assert_ok(r, err);
}

/* Serializing c fails with EINVALID naming needle, and writes nothing. */
static void assert_serialize_refused(const wp_image_config *c, const char *needle)
{
	wp_buf out = WP_BUF_INIT(WP_CONFIG_MAX);
	wp_error *err = NULL;
	int r = wp_image_config_serialize(c, &out, &err);

	assert_error(r, err, WP_EINVALID, needle);
	cr_assert_eq(out.len, 0);
	wp_buf_release(&out);
}

static void parse_ok(wp_image_config *c, const char *text, size_t len)
{
	wp_error *err = NULL;
	int r = wp_image_config_parse(c, text, len, "config", &err);

	assert_ok(r, err);
}

Test(config, full_config_matches_golden)
{
	wp_image_config c;

	build_full_config(&c);
	assert_serializes_to_golden(wp_image_config_serialize, &c, WP_CONFIG_MAX,
				    GOLDEN "config.json");
	wp_image_config_release(&c);
}

Test(config, minimal_config_matches_golden)
{
	wp_image_config c;

	config_for(&c, "linux/arm64/v8");
	c.platform.os_version = test_xstrdup("10.0.17763");
	test_strv_push(&c.platform.os_features, "win32k");
	/* empty strings count as unset: nothing host-specific leaks in */
	c.user = test_xstrdup("");
	c.working_dir = test_xstrdup("");
	assert_serializes_to_golden(wp_image_config_serialize, &c, WP_CONFIG_MAX,
				    GOLDEN "config-minimal.json");
	wp_image_config_release(&c);
}

Test(config, entrypoint_and_cmd_absent_unless_set)
{
	wp_image_config c;
	wp_buf out = WP_BUF_INIT(WP_CONFIG_MAX);
	wp_error *err = NULL;
	int r;

	config_for(&c, "wasip1/wasm");
	c.has_entrypoint = true; /* [] is written when asked for */
	r = wp_image_config_serialize(&c, &out, &err);
	assert_ok(r, err);
	cr_assert_str_eq(out.data,
			 "{\"architecture\":\"wasm\",\"config\":{\"Entrypoint\":[]},"
			 "\"os\":\"wasip1\",\"rootfs\":{\"diff_ids\":[],\"type\":\"layers\"}}");
	wp_image_config_release(&c);
	wp_buf_release(&out);
}

Test(config, serialize_requires_os_and_architecture)
{
	wp_image_config c = {0};

	c.platform.os = test_xstrdup("linux");
	assert_serialize_refused(&c, "os and architecture are required");
	wp_image_config_release(&c);
}

Test(config, serialize_refuses_invalid_utf8)
{
	wp_image_config c;

	config_for(&c, "wasip1/wasm");
	test_strv_push(&c.env, "A=\xff");
	assert_serialize_refused(&c, "Env is not valid UTF-8");
	wp_image_config_release(&c);
}

Test(config, parse_golden_back)
{
	wp_image_config c;

	parse_file_ok(wp_image_config_parse, &c, GOLDEN "config.json");
	cr_assert_str_eq(c.platform.os, "wasip1");
	cr_assert_str_eq(c.platform.architecture, "wasm");
	cr_assert_null(c.platform.variant);
	cr_assert_str_eq(c.created, "2024-01-02T03:04:05Z");
	cr_assert_str_eq(c.author, "Jane Doe <jane@example.com>");
	cr_assert_str_eq(c.user, "1000:1000");
	cr_assert_str_eq(c.working_dir, "/app");
	cr_assert_str_eq(c.stop_signal, "SIGTERM");
	cr_assert_eq(c.env.len, 2);
	cr_assert_str_eq(c.env.items[0], "PATH=/bin");
	cr_assert_str_eq(c.env.items[1], "A=b");
	cr_assert(c.has_entrypoint);
	cr_assert_eq(c.entrypoint.len, 2);
	cr_assert_str_eq(c.entrypoint.items[1], "--serve");
	cr_assert(c.has_cmd);
	cr_assert_eq(c.cmd.len, 0);
	cr_assert_eq(c.exposed_ports.len, 1);
	cr_assert_str_eq(c.exposed_ports.items[0], "8080/tcp");
	cr_assert_eq(c.volumes.len, 1);
	cr_assert_str_eq(c.volumes.items[0], "/data");
	cr_assert_str_eq(wp_kv_get(&c.labels, "org.example.team"), "runtime");
	cr_assert_eq(c.diff_ids.len, 1);
	cr_assert_str_eq(c.diff_ids.items[0], D_EMPTY);
	cr_assert_eq(c.n_history, 2);
	cr_assert_str_eq(c.history[0].created_by, "wasmpack build");
	cr_assert_str_eq(c.history[0].comment, "wasmpack");
	cr_assert_not(c.history[0].empty_layer);
	cr_assert_null(c.history[1].created);
	cr_assert(c.history[1].empty_layer);
	/* and back to the same bytes */
	assert_serializes_to_golden(wp_image_config_serialize, &c, WP_CONFIG_MAX,
				    GOLDEN "config.json");
	wp_image_config_release(&c);
}

Test(config, parse_minimal_golden_back)
{
	wp_image_config c;

	parse_file_ok(wp_image_config_parse, &c, GOLDEN "config-minimal.json");
	cr_assert_str_eq(c.platform.variant, "v8");
	cr_assert_str_eq(c.platform.os_version, "10.0.17763");
	cr_assert_eq(c.platform.os_features.len, 1);
	cr_assert_str_eq(c.platform.os_features.items[0], "win32k");
	cr_assert_not(c.has_entrypoint);
	cr_assert_not(c.has_cmd);
	cr_assert_null(c.user);
	cr_assert_eq(c.diff_ids.len, 0);
	cr_assert_eq(c.n_history, 0);
	wp_image_config_release(&c);
}

static void expect_config_error(const char *text, int code, const char *needle)
{
	wp_image_config c = {0};
	wp_error *err = NULL;
	int r = wp_image_config_parse(&c, text, strlen(text), "image config", &err);

	assert_error(r, err, code, needle);
	cr_assert_null(c.platform.os, "out untouched on failure");
}

#define ROOTFS "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}"

Test(config, parse_refusals)
{
	expect_config_error("{\"architecture\":\"wasm\"," ROOTFS "}", WP_EINVALID,
			    "image config: os: missing");
	expect_config_error("{\"os\":\"wasip1\"," ROOTFS "}", WP_EINVALID,
			    "image config: architecture: missing");
	expect_config_error("{\"os\":\"wasip1\",\"architecture\":\"wasm\"}", WP_EINVALID,
			    "image config: rootfs: missing");
	expect_config_error("{\"os\":\"linux\",\"architecture\":\"amd64\","
			    "\"rootfs\":{\"type\":\"tarballs\",\"diff_ids\":[]}}",
			    WP_EINVALID, "rootfs.type: \"tarballs\" (expected \"layers\")");
	expect_config_error("{\"os\":\"linux\",\"architecture\":\"amd64\","
			    "\"rootfs\":{\"type\":\"layers\"}}",
			    WP_EINVALID, "rootfs.diff_ids: missing");
	expect_config_error("{\"os\":\"linux\",\"architecture\":\"amd64\","
			    "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D_EMPTY
			    "\",\"sha256:x\"]}}",
			    WP_EINVALID, "rootfs.diff_ids[1]: invalid digest \"sha256:x\"");
	expect_config_error("{\"os\":\"linux\",\"architecture\":\"amd64\"," ROOTFS
			    ",\"config\":{\"Env\":[\"A=1\",2]}}",
			    WP_EINVALID, "image config: config.Env[1]: expected a string");
	expect_config_error("{\"os\":\"linux\",\"architecture\":\"amd64\"," ROOTFS
			    ",\"config\":{\"Cmd\":\"sh\"}}",
			    WP_EINVALID, "config.Cmd: expected an array of strings");
	expect_config_error("{\"os\":\"linux\",\"architecture\":\"amd64\"," ROOTFS
			    ",\"config\":{\"ExposedPorts\":[\"80/tcp\"]}}",
			    WP_EINVALID, "config.ExposedPorts: expected an object");
	expect_config_error("{\"os\":\"linux\",\"architecture\":\"amd64\"," ROOTFS
			    ",\"config\":{\"Labels\":{\"a\":1}}}",
			    WP_EINVALID, "config.Labels.a: expected a string");
	expect_config_error("{\"os\":\"linux\",\"architecture\":\"amd64\"," ROOTFS
			    ",\"history\":[{},3]}",
			    WP_EINVALID, "image config: history[1]: expected an object");
	expect_config_error("{\"os\":\"linux\",\"architecture\":\"amd64\"," ROOTFS
			    ",\"history\":[{\"created_by\":7}]}",
			    WP_EINVALID, "history[0].created_by: expected a string");
	expect_config_error("[]", WP_EINVALID, "image config: expected a JSON object");
	expect_config_error("{\"os\":\"linux\",\"os\":\"linux\"}", WP_EINVALID,
			    "duplicate object key");
}

Test(config, parse_treats_null_as_absent)
{
	static const char text[] = "{\"os\":\"linux\",\"architecture\":\"amd64\"," ROOTFS
				   ",\"config\":{\"Cmd\":null,\"Entrypoint\":null,\"Env\":null,"
				   "\"Labels\":null,\"ExposedPorts\":null}}";
	wp_image_config c;

	parse_ok(&c, text, strlen(text));
	cr_assert_not(c.has_cmd);
	cr_assert_not(c.has_entrypoint);
	cr_assert_eq(c.env.len, 0);
	wp_image_config_release(&c);
}

Test(config, over_the_limit_is_refused)
{
	size_t len = WP_CONFIG_MAX + 1;
	char *text = test_padded("{", len, "}");
	wp_image_config c;
	wp_error *err = NULL;
	int r = wp_image_config_parse(&c, text, len, "image config", &err);

	assert_error(r, err, WP_ELIMIT, "image config: larger than 8388608 bytes");
	free(text);
}

Test(config, rfc3339)
{
	char out[32];
	wp_error *err = NULL;
	int r = wp_format_rfc3339(0, out, &err);

	assert_ok(r, err);
	cr_assert_str_eq(out, "1970-01-01T00:00:00Z");
	r = wp_format_rfc3339(1704164645, out, &err);
	assert_ok(r, err);
	cr_assert_str_eq(out, "2024-01-02T03:04:05Z");
	r = wp_format_rfc3339(253402300799, out, &err);
	assert_ok(r, err);
	cr_assert_str_eq(out, "9999-12-31T23:59:59Z");
	r = wp_format_rfc3339(253402300800, out, &err);
	assert_error(r, err, WP_EINVALID, "time 253402300800 cannot be written as RFC 3339");
	r = wp_format_rfc3339(-1, out, &err);
	assert_error(r, err, WP_EINVALID, "time -1");
}
