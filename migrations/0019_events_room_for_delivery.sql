-- Room on each page of `events` for its delivery's update (attempts, status and times: no column an
-- index names), so that Postgres writes the new version beside the old one (a HOT update: no index
-- entries, about half the WAL) rather than on another page with an entry in each index. With the
-- agencies' webhooks on (BENCH_WEBHOOKS=1, 5,000 payments): 73% of those updates HOT instead of 32%,
-- their WAL 2.8 MB instead of 5.2 MB (docs/adr/0007). Pages written before keep their packing; the
-- table takes about a third more room.
ALTER TABLE events SET (fillfactor = 70);
