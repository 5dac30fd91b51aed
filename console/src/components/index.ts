// The console's shared pieces: pages compose these rather than repeating table and form markup.
export { ConfirmButton, ConfirmDialog, DeleteButton, type Confirmation } from './confirm';
export { CheckboxField, Field, FormError, SelectField, TextField } from './fields';
export { formatTime, splitList } from './format';
export { FormSection } from './form-section';
export { asApiError, useAction, useLoad, usePagedList, type PagedList } from './hooks';
export { NoticeProvider, useNotice } from './notice';
export { DataTable, PagedTable, type Column } from './paged-table';
