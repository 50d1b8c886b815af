.PHONY: serve test build bench package
serve:
	bash scripts/serve.sh
test:
	bash scripts/test.sh
build:
	bash scripts/patch-rav1d.sh
	bash scripts/patch-jpeg-decoder.sh
	cargo build --release --bin ixora --target wasm32-wasip1
# The deployable Fastly package pkg/ixora.tar.gz, via `fastly compute build` (docs/operations.md).
package:
	bash scripts/package.sh
# ixora (wasm in Viceroy and native) vs vipsthumbnail and sharp; writes docs/benchmarks.md.
bench:
	bash bench/run.sh
