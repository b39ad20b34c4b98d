export { TaskRecord, type TaskRecordInit } from "../model/taskRecord";
