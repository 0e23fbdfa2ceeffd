/** Errors that stop the broker at start because a metadata file on disk cannot be trusted. */

/** A metadata file is corrupt or was edited by hand; the message names the file and the fault. */
export class MetadataFileError extends Error {}
