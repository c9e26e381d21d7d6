# Shared by the benchmarks: a generated catalog, imported once and kept
# under bench/out (BENCH_DIR) so several benchmarks can use it.
#   bench_catalog SERVERS TOOLS   prints the database path
bench_catalog() {
	d=${BENCH_DIR:-bench/out}/catalog-$1-$2
	mkdir -p "$d"
	if [ ! -f "$d/corpus.done" ]; then
		rm -rf "$d/corpus"
		python3 bench/gen_corpus.py "$d/corpus" "$1" "$2"
		touch "$d/corpus.done"
	fi
	if [ ! -f "$d/db.done" ]; then
		rm -f "$d/cat.db" "$d/cat.db-wal" "$d/cat.db-shm"
		./mcprisk -q --db "$d/cat.db" import "$d/corpus" >&2
		touch "$d/db.done"
	fi
	echo "$d/cat.db"
}

# Where benchmarks write many small files: tmpfs when there is one, so the
# figure measures mcprisk rather than the file system's inode allocator
# (ext4 slows down sharply after hundreds of thousands of recent deletes).
bench_outdir() {
	if [ -d /dev/shm ] && [ -w /dev/shm ]; then echo /dev/shm; else echo /tmp; fi
}
