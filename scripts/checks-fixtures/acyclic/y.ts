export interface Y {
  name: string;
}

export const y = "y";
