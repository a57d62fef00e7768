// What the attachment bucket's configuration and the code that signs for it share: where objects live and how an
// upload never sent is recognised (the bucket's lifecycle rule expires objects carrying the unsent tag).
export const ATTACHMENT_PREFIX = 'rooms/';
export const UNSENT_TAG = { key: 'chat-upload', value: 'unsent' } as const;
/** The x-amz-tagging header value of an upload: URL-encoded key=value. */
export const UNSENT_TAGGING = `${UNSENT_TAG.key}=${UNSENT_TAG.value}`;
/** PutObjectTagging's body that marks an object unsent again (a deleted message's file whose removal failed). */
export const UNSENT_TAGGING_DOCUMENT =
  '<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>' +
  `<Tag><Key>${UNSENT_TAG.key}</Key><Value>${UNSENT_TAG.value}</Value></Tag></TagSet></Tagging>`;
/** Unsent uploads are removed by the lifecycle rule after this many days. */
export const UNSENT_EXPIRY_DAYS = 1;
