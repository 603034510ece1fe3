"""Django storage against a real S3-compatible server (moto standalone on 127.0.0.1)."""

from __future__ import annotations

import urllib.request

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage


@pytest.mark.django_db
def test_default_storage_round_trip_and_presigned_url(s3_storage):
    client, bucket = s3_storage
    name = default_storage.save("evidence/ab/abc123", ContentFile(b"%PDF-1.4 round trip"))
    assert default_storage.__class__.__name__ == "S3Storage"
    listed = client.list_objects_v2(Bucket=bucket)["Contents"]
    assert [o["Key"] for o in listed] == [name]
    with default_storage.open(name, "rb") as fh:
        assert fh.read() == b"%PDF-1.4 round trip"
    url = default_storage.url(
        name, parameters={"ResponseContentDisposition": 'attachment; filename="x.pdf"'}, expire=60
    )
    assert "X-Amz-Signature" in url and "X-Amz-Expires=60" in url
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback test server
        assert response.read() == b"%PDF-1.4 round trip"
        assert response.headers["Content-Disposition"] == 'attachment; filename="x.pdf"'
    # The bucket is private: the plain object URL without a signature is refused.
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url.split("?")[0], timeout=5)  # noqa: S310
    assert refused.value.code == 403
