export {
  createPaginator,
  paginationSchema,
  PageLoopGuard,
  type PaginationConfig,
  type Paginator,
  type PageView,
} from './strategies.js';
export { findLink } from './link-header.js';
export { getPath, parsePath } from './json-path.js';
