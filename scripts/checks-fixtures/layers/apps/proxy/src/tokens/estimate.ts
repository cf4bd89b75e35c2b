export const estimate = (text: string): number => Math.ceil(text.length / 4);
