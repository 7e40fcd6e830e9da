#!/bin/sh
# export --c06: one legacy .xls per commune of certificate holders, read
# back with GDAL's XLS driver (FreeXL): headers, Vietnamese names, ID
# numbers as text with their leading zeros, numbers and dates, mode 0600.
. "$(dirname "$0")/lib.sh"

D="$FIX/demo"
run 0 init ws.gpkg --crs EPSG:9210
run 0 ingest ws.gpkg --map "$D/map.gpkg" --register "$D/register.csv"
run 2 check ws.gpkg --today 2026-11-01
run 2 classify ws.gpkg
run 0 export ws.gpkg --out out --c06
contains out.txt "wrote 2 C06 lists (.xls, 13 certificate holders not yet verified) to out"
eq "c06-11311.xls c06-11329.xls" "$(ls out | grep c06 | tr '\n' ' ' | sed 's/ $//')" "list files"
eq 600 "$(mode out/c06-11311.xls)" "list mode (personal data)"

export OGR_XLS_HEADERS=FORCE OGR_XLS_FIELD_TYPES=STRING
ogrinfo -ro -al out/c06-11329.xls >list.txt 2>&1
contains list.txt "Feature Count: 5"
contains list.txt "Số định danh cá nhân / CMND (String) = 001088001111"
contains list.txt "Họ và tên (String) = Hồ Quang Tuấn"
contains list.txt "Nơi đăng ký khai sinh (mã tỉnh) (String) = 001"
contains list.txt "Mã xã (String) = 11329"
contains list.txt "Số phát hành GCN (String) = CS 200002"
unset OGR_XLS_FIELD_TYPES
ogrinfo -ro -al out/c06-11311.xls >typed.txt 2>&1
contains typed.txt "Ngày cấp GCN (Date) = 2015/03/12"
contains typed.txt "Năm sinh (Real) = 1985"
contains typed.txt "Họ và tên (String) = Đặng Văn Đức"
done_testing
