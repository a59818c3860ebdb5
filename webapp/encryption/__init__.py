"""Key rotation and key usage of the sealed personal fields (the cipher itself: `webapp.crypto`)."""
