.PHONY: serve test build package
serve:
	bash scripts/serve.sh
test:
	bash scripts/test.sh
build:
	cargo build --release --bin ixora --target wasm32-wasip1
# The deployable Fastly package pkg/ixora.tar.gz, via `fastly compute build` (docs/operations.md).
package:
	bash scripts/package.sh
