// Package ocicap sets file capabilities on the files of an image in an
// OCI image layout (the directory skopeo, umoci, podman and buildah
// write with the oci: transport), without root and without unpacking it.
//
// A capability is changed in the layer that holds the file: the topmost
// layer with an entry for its path (whiteouts and opaque directories of
// the layers above are followed, so a file they delete is not found).
// That layer is rewritten with tarcap, byte for byte except the file's
// PAX header, and the image gets new digests, sizes, diff_ids and a
// history entry (empty_layer) saying what was done; the other layers
// are untouched.
//
// Why not a new top layer, as `RUN setcap` makes? A layer can only
// change a file's xattrs by carrying the whole file again: every binary
// would be stored and pulled twice (a 120 MB program costs 120 MB more),
// and the copy below still has no capabilities for anyone who reads
// that layer alone. Rewriting the holding layer costs nothing in size;
// its price is that the rewritten layer's digest changes, so if it is a
// base layer shared with other images, it is no longer shared.
//
// The image is read and written with go-containerregistry. Every layer
// read is checked against its digest and diff_id; new blobs are read
// back after writing; index.json is replaced atomically (renamed into
// place) as the last step, so an interrupted run leaves the old image
// whole. Blobs only the old image used are then removed.
package ocicap
