"""The offline demo behind `python manage.py run --demo` (`make demo`).

- `sources`: the local stand-ins (standins/) for CoinGecko, Coinbase, CryptoCompare, CoinMarketCap
  and Twilio, started and stopped with the run, and the ordinary settings values that point the
  real clients at them.
- `seed`: demonstration data, written once into an empty database.
- `part`: the start/stop "part" the embedded runner holds, the refusals and the banner.
Production code never imports this package; it is only imported when `--demo` is given.
"""
