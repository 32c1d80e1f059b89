/** `patchbay/file`: file drops from a local folder, a mounted share, an SFTP server or an S3 bucket. */
export { fileDrop, fileDropConfig, type FileDropConfig } from './file-source.js';
export { sftpFileDrop, sftpDropConfig, type SftpDropConfig } from './sftp-source.js';
export { hostKeyFingerprint } from './sftp-drop.js';
export { s3FileDrop, s3DropConfig, type S3DropConfig } from './s3-source.js';
export type { FileMarker } from './read-file.js';
export { businessDate, dateFromName, dateInZone, type BusinessDate } from './business-date.js';
export { globMatcher } from './glob.js';
export {
  csvParser,
  jsonLinesParser,
  jsonArrayParser,
  fixedWidthParser,
  xmlParser,
  type ParsedEntry,
  type FileParser,
} from './parsers/index.js';
