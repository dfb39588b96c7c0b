/** What a rebuild names its copies (`<table>__rebuild`) and the tables they replace (`<table>__old`). */
export const REBUILD_SUFFIX = '__rebuild';
export const OLD_SUFFIX = '__old';
