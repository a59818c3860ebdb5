"""The database contract tier: each store's guarantees, raced from many threads.

On mongomock (`make test`) the embedded write serialization stands in for MongoDB's single-document
atomicity; with `MONGO_TEST_URI` (`make test-mongo`) the same tests run against a real MongoDB, plus
the `real_mongo` query-plan checks."""
