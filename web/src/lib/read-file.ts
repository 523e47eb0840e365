/** A chosen file's text (FileReader: it also works where Blob.text is missing). */
export function readText(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result ?? ""));
    reader.onerror = () => reject(reader.error ?? new Error("cannot read the file"));
    reader.readAsText(file);
  });
}
