"""Crypto assets: parallel ingestion of rankings (CryptoCompare) and USD prices (CoinMarketCap) into
atomically published snapshots, and a cached API over the latest or any past snapshot."""
