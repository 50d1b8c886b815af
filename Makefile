.PHONY: serve test build
serve:
	bash scripts/serve.sh
test:
	bash scripts/test.sh
build:
	cargo build --release --bin ixora --target wasm32-wasip1
