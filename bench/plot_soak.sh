#!/usr/bin/env bash
# Plots a soak_bench CSV (RSS, ledger size, outbox backlog, decision p99 against time) as a PNG with gnuplot.
# Usage: bench/plot_soak.sh soak.csv docs/soak.png        (gnuplot: Debian's gnuplot-nox)
set -euo pipefail
csv=${1:?usage: plot_soak.sh CSV PNG}
png=${2:?usage: plot_soak.sh CSV PNG}
command -v gnuplot >/dev/null || { echo "plot_soak.sh: gnuplot is missing (apt-get install gnuplot-nox)" >&2; exit 69; }
gnuplot <<GNUPLOT
set datafile separator ","
set terminal pngcairo size 1200,800 font ",10"
set output "$png"
set multiplot layout 2,2 title "gatehouse soak: $(basename "$csv")"
set key off
set grid
set xlabel "elapsed (s)"
set title "daemon RSS (MB)"
plot "$csv" using 1:(\$2/1024) every ::1 with linespoints pt 7 ps 0.5
set title "ledger size (MB)"
plot "$csv" using 1:(\$3/1048576) every ::1 with linespoints pt 7 ps 0.5
set title "outbox backlog (records)"
plot "$csv" using 1:4 every ::1 with linespoints pt 7 ps 0.5
set title "decision p99 per 10 s (ms)"
plot "$csv" using 1:5 every ::1 with linespoints pt 7 ps 0.5
unset multiplot
GNUPLOT
echo "wrote $png"
