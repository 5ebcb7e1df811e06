// The C++ side of wabt_bridge.h: the only file that includes wabt.
#include <memory>
#include <string>

#include "wabt/apply-names.h"
#include "wabt/binary-reader-ir.h"
#include "wabt/binary-reader.h"
#include "wabt/binary-writer.h"
#include "wabt/c-writer.h"
#include "wabt/error-formatter.h"
#include "wabt/feature.h"
#include "wabt/generate-names.h"
#include "wabt/ir.h"
#include "wabt/resolve-names.h"
#include "wabt/stream.h"
#include "wabt/validator.h"
#include "wabt/wast-lexer.h"
#include "wabt/wast-parser.h"

#include "wabt_bridge.h"

namespace
{

wabt::Features all_features()
{
	wabt::Features f;
	f.EnableAll();
	return f;
}

// One line: wabt's messages can span several with source excerpts.
std::string first_line(const std::string &s)
{
	std::string::size_type nl = s.find('\n');
	return nl == std::string::npos ? s : s.substr(0, nl);
}

// For validation: all but function references, whose wabt (1.0.32) is an
// early draft of the proposal, call_ref without the type index the final
// standard gives it; its type checker even aborts on a call_ref in
// unreachable code (wasm-validate --enable-all too). wasmpack's validator
// follows the standard; a module using them is not wabt's to judge.
wabt::Features validation_features()
{
	wabt::Features f = all_features();
	f.set_function_references_enabled(false);
	return f;
}

} // namespace

extern "C" int wp_wabt_wat2wasm(const char *text, size_t len, const char *filename, wp_buf *out,
				wp_error **err)
{
	try {
		wabt::Features features = all_features();
		wabt::Errors errors;
		std::unique_ptr<wabt::WastLexer> lexer =
			wabt::WastLexer::CreateBufferLexer(filename, text, len, &errors);
		std::unique_ptr<wabt::Module> module;
		wabt::WastParseOptions parse_options(features);
		wabt::Result r =
			wabt::ParseWatModule(lexer.get(), &module, &errors, &parse_options);

		if (wabt::Succeeded(r))
			r = wabt::ResolveNamesModule(module.get(), &errors);
		if (wabt::Succeeded(r)) {
			wabt::ValidateOptions vopts(features);
			r = wabt::ValidateModule(module.get(), &errors, vopts);
		}
		if (wabt::Failed(r)) {
			std::string msg = wabt::FormatErrorsToString(
				errors, wabt::Location::Type::Text, lexer->MakeLineFinder().get(),
				wabt::Color(), "", wabt::PrintHeader::Never, 256);
			return wp_error_set(err, WP_EINVALID, "%s", first_line(msg).c_str());
		}
		wabt::MemoryStream stream;
		wabt::WriteBinaryOptions wopts;
		wopts.features = features;
		wopts.canonicalize_lebs = true;
		wopts.write_debug_names = true;
		if (wabt::Failed(wabt::WriteBinaryModule(&stream, module.get(), wopts)))
			return wp_error_set(err, WP_EGENERIC,
					    "\"%s\": wabt cannot encode the module", filename);
		const std::vector<uint8_t> &bytes = stream.output_buffer().data;
		return wp_buf_append(out, bytes.data(), bytes.size(), err);
	} catch (const std::bad_alloc &) {
		return wp_error_set(err, WP_ENOMEM, "out of memory");
	} catch (...) {
		return wp_error_set(err, WP_EGENERIC, "\"%s\": wabt failed", filename);
	}
}

extern "C" int wp_wabt_validate(const uint8_t *bytes, size_t len, const char *filename,
				wp_error **err)
{
	try {
		wabt::Features features = validation_features();
		wabt::Errors errors;
		wabt::ReadBinaryOptions ropts(features, nullptr, false, true, false);
		wabt::Module module;
		wabt::Result r = wabt::ReadBinaryIr(filename, bytes, len, ropts, &errors, &module);

		if (wabt::Succeeded(r)) {
			wabt::ValidateOptions vopts(features);
			r = wabt::ValidateModule(&module, &errors, vopts);
		}
		if (wabt::Failed(r)) {
			std::string msg =
				wabt::FormatErrorsToString(errors, wabt::Location::Type::Binary);
			return wp_error_set(err, WP_EINVALID, "wabt: %s", first_line(msg).c_str());
		}
		return 0;
	} catch (const std::bad_alloc &) {
		return wp_error_set(err, WP_ENOMEM, "out of memory");
	} catch (...) {
		return wp_error_set(err, WP_EGENERIC, "\"%s\": wabt failed", filename);
	}
}

extern "C" int wp_wabt_wasm2c(const uint8_t *bytes, size_t len, const char *filename,
			      const char *module_name, const char *header_name, wp_buf *c_out,
			      wp_buf *h_out, wp_error **err)
{
	try {
		// wasm2c takes what its runtime supports: the default features
		wabt::Features features;
		wabt::Errors errors;
		wabt::ReadBinaryOptions ropts(features, nullptr, true, true, true);
		wabt::Module module;
		wabt::Result r = wabt::ReadBinaryIr(filename, bytes, len, ropts, &errors, &module);

		if (wabt::Succeeded(r)) {
			wabt::ValidateOptions vopts(features);
			r = wabt::ValidateModule(&module, &errors, vopts);
		}
		if (wabt::Succeeded(r))
			r = wabt::GenerateNames(&module);
		if (wabt::Failed(r)) {
			std::string msg =
				wabt::FormatErrorsToString(errors, wabt::Location::Type::Binary);
			return wp_error_set(err, WP_EINVALID, "\"%s\": wasm2c cannot take it: %s",
					    filename, first_line(msg).c_str());
		}
		// a name that cannot be applied is only a name: the C is the same
		(void)wabt::ApplyNames(&module);
		wabt::MemoryStream c_stream, h_stream;
		wabt::WriteCOptions copts;
		copts.module_name = module_name;
		if (wabt::Failed(wabt::WriteC(&c_stream, &h_stream, header_name, &module, copts)))
			return wp_error_set(err, WP_EUNSUPPORTED,
					    "\"%s\": wasm2c cannot translate this module",
					    filename);
		const std::vector<uint8_t> &c = c_stream.output_buffer().data;
		const std::vector<uint8_t> &h = h_stream.output_buffer().data;
		int rc = wp_buf_append(c_out, c.data(), c.size(), err);
		return rc < 0 ? rc : wp_buf_append(h_out, h.data(), h.size(), err);
	} catch (const std::bad_alloc &) {
		return wp_error_set(err, WP_ENOMEM, "out of memory");
	} catch (...) {
		return wp_error_set(err, WP_EGENERIC, "\"%s\": wabt failed", filename);
	}
}
