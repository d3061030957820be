// Package witness keeps a copy of each audit anchor where Rolegate cannot
// rewrite it: an S3 bucket with Object Lock, each object written once
// (If-None-Match: *) under a COMPLIANCE-mode retention that nobody, not
// even the bucket owner, can shorten or lift before it expires. Someone
// with the service's file access can rewrite the local anchor file, but not
// the witness, so deleting the newest audit events stays detectable.
//
// Reads take the oldest version of each object: in a versioned bucket a
// later PutObject adds a newer version and a DeleteObject adds a delete
// marker, neither of which touches the locked original.
package witness
