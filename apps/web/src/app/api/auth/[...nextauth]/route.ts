import NextAuth from "next-auth";
import type { NextRequest } from "next/server";
import { getAuthOptions } from "~/server/auth";

type RouteContext = { params: Promise<{ nextauth: string[] }> };

function handler(req: NextRequest, context: RouteContext): Promise<Response> {
  return NextAuth(req, context, getAuthOptions());
}

export { handler as GET, handler as POST };
