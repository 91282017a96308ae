#!/bin/sh
# Vendor plotly.js's "basic" partial bundle (scatter, bar, pie traces; MIT licence) into the
# package, so the monthly page embeds 1.2 MB of JavaScript instead of the full 4.8 MB bundle.
# Reproducible: the version and the file's SHA-256 are pinned; needs npm and network access
# to the npm registry. Run from the repository root: sh scripts/vendor-plotly.sh
set -eu
VERSION=4.1.1
SHA256=99784e3abfb07b142a15e521a439e6d9addceadb3f79553fd24c72774f0649ba
DEST=analyzer/report/page/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "plotly.js-basic-dist-min@$VERSION" >/dev/null)
tar -xzf "$work/plotly.js-basic-dist-min-$VERSION.tgz" -C "$work"
echo "$SHA256  $work/package/plotly-basic.min.js" | sha256sum -c -
mkdir -p "$DEST"
cp "$work/package/plotly-basic.min.js" "$DEST/plotly-basic.min.js"
cp "$work/package/LICENSE" "$DEST/plotly-LICENSE.txt"
echo "plotly.js-basic-dist-min $VERSION -> $DEST/plotly-basic.min.js"
