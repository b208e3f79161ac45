"""Drives the emulator's S3-compatible API with boto3 (Debian's python3-boto3), as any S3 tool would.

Usage: boto3_client.py <endpoint> <region> <key id> <key> <master key id> <master key> <bucket>
Prints one JSON object with what boto3 saw; the TypeScript side asserts on it.
"""
import hashlib
import json
import sys
import urllib.error
import urllib.request

import boto3
import botocore
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, region, key_id, key, master_id, master_key, bucket = sys.argv[1:8]


def client(kid, secret, signing_region=region):
    options = {"signature_version": "s3v4", "s3": {"addressing_style": "path"}, "retries": {"max_attempts": 1}}
    # boto3 >= 1.36 sends CRC checksums by default, which B2 refuses; older releases (Debian 12's) don't.
    if "request_checksum_calculation" in Config.OPTION_DEFAULTS:
        options["request_checksum_calculation"] = "when_required"
        options["response_checksum_validation"] = "when_required"
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=signing_region,
        aws_access_key_id=kid,
        aws_secret_access_key=secret,
        config=Config(**options),
    )


def error_of(call):
    try:
        call()
    except ClientError as e:
        return {"code": e.response["Error"]["Code"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
    return None


def fetch(url, method="GET", data=None, headers=None):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req) as res:
            return {"status": res.status, "body": res.read().decode("utf-8", "replace")}
    except urllib.error.HTTPError as e:
        return {"status": e.code, "body": e.read().decode("utf-8", "replace")}


def advance_clock(ms):
    fetch(f"{endpoint}/__emulator/clock/advance", "POST", json.dumps({"ms": ms}).encode(), {"Content-Type": "application/json"})


s3 = client(key_id, key)
seen = {"boto3": boto3.__version__, "botocore": botocore.__version__}

seen["buckets"] = [b["Name"] for b in s3.list_buckets()["Buckets"]]
seen["location"] = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint")

body = b"hello from boto3"
md5 = hashlib.md5(body)
import base64

put = s3.put_object(Bucket=bucket, Key="py/hello.txt", Body=body, ContentType="text/plain",
                    ContentMD5=base64.b64encode(md5.digest()).decode(), Metadata={"lang": "python"})
seen["putEtag"] = put["ETag"]
head = s3.head_object(Bucket=bucket, Key="py/hello.txt")
seen["head"] = {"length": head["ContentLength"], "type": head["ContentType"], "meta": head["Metadata"], "version": head["VersionId"]}
seen["range"] = s3.get_object(Bucket=bucket, Key="py/hello.txt", Range="bytes=6-9")["Body"].read().decode()
seen["badDigest"] = error_of(lambda: s3.put_object(Bucket=bucket, Key="py/bad.txt", Body=b"x",
                                                  ContentMD5=base64.b64encode(hashlib.md5(b"y").digest()).decode()))

for i in range(5):
    s3.put_object(Bucket=bucket, Key=f"py/list/{i}.txt", Body=str(i).encode())
paginator = s3.get_paginator("list_objects_v2")
pages = list(paginator.paginate(Bucket=bucket, Prefix="py/list/", PaginationConfig={"PageSize": 2}))
seen["listPages"] = [[o["Key"] for o in p.get("Contents", [])] for p in pages]
seen["listV1"] = [o["Key"] for o in s3.list_objects(Bucket=bucket, Prefix="py/", Delimiter="/").get("Contents", [])]
seen["prefixes"] = [p["Prefix"] for p in s3.list_objects_v2(Bucket=bucket, Delimiter="/").get("CommonPrefixes", [])]

s3.copy_object(Bucket=bucket, Key="py/copy.txt", CopySource={"Bucket": bucket, "Key": "py/hello.txt"})
seen["copy"] = s3.get_object(Bucket=bucket, Key="py/copy.txt")["Body"].read().decode()
deleted = s3.delete_object(Bucket=bucket, Key="py/copy.txt")
seen["deleteMarker"] = deleted.get("DeleteMarker")
seen["afterDelete"] = error_of(lambda: s3.get_object(Bucket=bucket, Key="py/copy.txt"))
many = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "py/list/0.txt"}, {"Key": "py/list/1.txt"}]})
seen["deletedMany"] = sorted(d["Key"] for d in many.get("Deleted", []))

# Multipart by hand, then through boto3's transfer manager (parallel parts).
part_size = 5 * 1024 * 1024
mp = s3.create_multipart_upload(Bucket=bucket, Key="py/multi.bin")
upload_id = mp["UploadId"]
seen["uploadsListed"] = [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket, Prefix="py/").get("Uploads", [])]
a = s3.upload_part(Bucket=bucket, Key="py/multi.bin", UploadId=upload_id, PartNumber=1, Body=b"a" * part_size)
b = s3.upload_part_copy(Bucket=bucket, Key="py/multi.bin", UploadId=upload_id, PartNumber=2,
                        CopySource={"Bucket": bucket, "Key": "py/hello.txt"}, CopySourceRange="bytes=0-4")
seen["parts"] = [p["PartNumber"] for p in s3.list_parts(Bucket=bucket, Key="py/multi.bin", UploadId=upload_id)["Parts"]]
done = s3.complete_multipart_upload(Bucket=bucket, Key="py/multi.bin", UploadId=upload_id, MultipartUpload={
    "Parts": [{"PartNumber": 1, "ETag": a["ETag"]}, {"PartNumber": 2, "ETag": b["CopyPartResult"]["ETag"]}]})
seen["multipartEtag"] = done["ETag"]
seen["multipartUploadId"] = upload_id
aborted = s3.create_multipart_upload(Bucket=bucket, Key="py/aborted.bin")["UploadId"]
s3.abort_multipart_upload(Bucket=bucket, Key="py/aborted.bin", UploadId=aborted)
seen["abortedThenList"] = error_of(lambda: s3.list_parts(Bucket=bucket, Key="py/aborted.bin", UploadId=aborted))

big = bytes(range(256)) * (12 * 1024 * 4)  # 12 MiB
import io

s3.upload_fileobj(io.BytesIO(big), bucket, "py/transfer.bin",
                  Config=TransferConfig(multipart_threshold=part_size, multipart_chunksize=part_size, max_concurrency=3))
got = s3.get_object(Bucket=bucket, Key="py/transfer.bin")
seen["transfer"] = {"sha1": hashlib.sha1(got["Body"].read()).hexdigest(), "etag": got["ETag"]}

s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [
    {"AllowedOrigins": ["https://py.example"], "AllowedMethods": ["PUT"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 60}]})
seen["cors"] = s3.get_bucket_cors(Bucket=bucket)["CORSRules"][0]["AllowedMethods"]
s3.delete_bucket_cors(Bucket=bucket)
seen["corsAfterDelete"] = error_of(lambda: s3.get_bucket_cors(Bucket=bucket))
s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
seen["encryption"] = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0][
    "ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]

# Presigned URLs, tampered and expired ones.
get_url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "py/hello.txt"}, ExpiresIn=60)
seen["presignedGet"] = fetch(get_url)
put_url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "py/presigned.txt"}, ExpiresIn=60)
seen["presignedPut"] = fetch(put_url, "PUT", b"presigned by boto3")["status"]
seen["presignedPutRead"] = s3.get_object(Bucket=bucket, Key="py/presigned.txt")["Body"].read().decode()
signature = get_url.split("X-Amz-Signature=")[1][:64]
tampered = get_url.replace(signature, ("0" if signature[0] != "0" else "1") + signature[1:])
seen["tampered"] = fetch(tampered)["status"]
advance_clock(61_000)
seen["expired"] = fetch(get_url)
advance_clock(-61_000)

# Wrong keys.
seen["wrongSecret"] = error_of(lambda: client(key_id, key + "x").list_buckets())
seen["unknownKey"] = error_of(lambda: client("0" * 25, key).list_buckets())
seen["masterKey"] = error_of(lambda: client(master_id, master_key).list_buckets())
seen["otherRegion"] = error_of(lambda: client(key_id, key, "eu-central-003").head_object(Bucket=bucket, Key="py/hello.txt"))

print(json.dumps(seen))
