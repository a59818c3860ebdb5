"""BTC price: a scheduled refresh from pluggable providers (CoinGecko, Coinbase), the latest quote in
Redis for the API, every quote kept as history in MongoDB for PRICE_HISTORY_RETENTION_DAYS."""
