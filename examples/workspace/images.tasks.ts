/// <reference path="./.vscode/taskflow/taskflow.d.ts" />
// Typed parameters: Run Task asks for each one by name, shows its type, default and the @param
// doc below, and refuses an answer of the wrong type before the run starts. `mode` is a pick
// list; `sharpen` is true or false; `sizes` is typed as a JSON array of numbers.
import { task, taskLog } from "taskflow";

type FitMode = "fit" | "fill" | "stretch";

/**
 * @param path the image to resize, relative to the workspace folder
 * @param width target width in pixels
 * @param mode how the image fills a width × width box
 * @param sharpen sharpen after resizing
 * @param sizes extra widths to write as thumbnails
 */
export const resizeImage = task({ description: "Pretends to resize an image; typed parameters" }, async (path: string, width = 800, mode: FitMode = "fit", sharpen = false, sizes: number[] = []) => {
  taskLog(`resizing ${path} to ${width} px (${mode}${sharpen ? ", sharpened" : ""})`);
  for (const size of sizes) taskLog(`thumbnail ${size} px`);
  return { path, width, mode, sharpen, sizes };
});
