# Sourced by the patch-<crate>.sh scripts: `crate_source NAME VERSION SHA256 DIR` extracts the
# published .crate (cargo's cache, else crates.io), checked against its sha256, into DIR/NAME-VERSION.
crate_source() {
  local name=$1 version=$2 sha256=$3 dir=$4 crate="" cached
  for cached in "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/"$name-$version.crate"; do
    [ -f "$cached" ] && crate="$cached" && break
  done
  if [ -z "$crate" ]; then
    echo "==> downloading $name $version from crates.io (to patch it)" >&2
    curl -fsSL --retry 3 -o "$dir/$name.crate" "https://static.crates.io/crates/$name/$name-$version.crate"
    crate="$dir/$name.crate"
  fi
  echo "$sha256  $crate" | sha256sum -c --quiet -
  tar -xzf "$crate" -C "$dir"
}
