#!/bin/sh
# A new workspace carries QGIS's default styles in layer_styles (the table
# QGIS reads): parcels by group with parcel-number labels, findings by
# severity, finding areas hatched; the QML is well-formed XML, stored as
# shipped, and the layer list shows the layers, not the internal tables.
. "$(dirname "$0")/lib.sh"

Q="$TD_SRC/schemas/qgis"
run 0 init ws.gpkg --crs EPSG:9210
eq "layer_styles|attributes" "$(q ws.gpkg "SELECT table_name || '|' || data_type FROM gpkg_contents WHERE table_name = 'layer_styles'")" "registered as QGIS registers it"
eq "finding_areas|geom|1 findings|geom|1 parcels|geom|1" \
	"$(q ws.gpkg "SELECT group_concat(f_table_name || '|' || f_geometry_column || '|' || useAsDefault, ' ') FROM (SELECT * FROM layer_styles ORDER BY f_table_name)")" "one default style per layer"
for layer in parcels findings finding_areas; do
	eq 1 "$(q ws.gpkg "SELECT styleQML = CAST(readfile('$Q/$layer.qml') AS TEXT) FROM layer_styles WHERE f_table_name = '$layer'")" \
		"$layer style stored as shipped"
	q ws.gpkg "SELECT styleQML FROM layer_styles WHERE f_table_name = '$layer'" >"$layer.qml"
	xmllint --noout --nonet "$layer.qml" && ok || fail "$layer.qml is not well-formed XML"
done
x() { xmllint --nonet --xpath "$2" "$1" 2>/dev/null; }
eq 'attr="grp"' "$(x parcels.qml '/qgis/renderer-v2/@attr' | tr -d ' ')" "parcels coloured by group"
eq "1 2 3  " "$(x parcels.qml '/qgis/renderer-v2/categories/category/@value' | sed 's/ value="\([^"]*\)"/\1/' | tr '\n' ' ')" "group categories, then the catch-all (not classified)"
eq 'fieldName="parcel"' "$(x parcels.qml '/qgis/labeling/settings/text-style/@fieldName' | tr -d ' ')" "parcel-number labels"
eq 'labelsEnabled="1"' "$(x parcels.qml '/qgis/@labelsEnabled' | tr -d ' ')" "labels on"
eq 'attr="severity"' "$(x findings.qml '/qgis/renderer-v2/@attr' | tr -d ' ')" "findings by severity"
eq 'value="b_diagonal"' "$(x finding_areas.qml "//Option[@name='style']/@value" | tr -d ' ')" "finding areas hatched"

# GDAL (as QGIS through it) lists the layers and the style table only.
ogrinfo -ro -q ws.gpkg | sed 's/^[0-9]*: //' >layers.txt
eq "parcels (Multi Polygon)|findings (Point)|finding_areas (Multi Polygon)|communes (Multi Polygon)|layer_styles (None)|" \
	"$(tr '\n' '|' <layers.txt)" "layer list"
done_testing
