import Link from "next/link";
import { redirect } from "next/navigation";
import { getServerAuthSession } from "~/server/auth";

const features = [
  {
    title: "One endpoint, your existing SDKs",
    body: "Point the OpenAI or Anthropic SDK at Gatehouse and keep your code. Calls are routed to the provider and model you choose, with fallbacks.",
  },
  {
    title: "Virtual keys instead of provider keys",
    body: "Give every app and teammate its own key with allowed models and RPM/TPM limits. Revoke or rotate it without touching the provider account.",
  },
  {
    title: "Budgets that hold",
    body: "Hard and soft budgets per workspace and per key, enforced before a request is forwarded, also across many proxy replicas.",
  },
  {
    title: "Spend you can see",
    body: "Every request is costed and logged. The dashboard shows spend by key, model and day.",
  },
];

export default async function LandingPage() {
  if (await getServerAuthSession()) redirect("/dashboard");

  return (
    <div className="space-y-12">
      <section className="max-w-2xl space-y-5">
        <p className="text-sm font-semibold uppercase tracking-wide text-indigo-700">
          Open-source AI gateway
        </p>
        <h1 className="text-3xl font-bold tracking-tight text-slate-900 sm:text-4xl">
          Control every LLM call your team makes, from one place.
        </h1>
        <p className="text-lg text-slate-600">
          Gatehouse sits between your applications and OpenAI, Anthropic and other providers. It
          authenticates with virtual keys, enforces limits and budgets, protects your data and
          records the cost of every call.
        </p>
        <div className="flex flex-wrap gap-3">
          <Link
            href="/signin"
            className="rounded-md bg-indigo-600 px-4 py-2.5 font-semibold text-white shadow-sm hover:bg-indigo-500"
          >
            Sign in to the dashboard
          </Link>
          <Link
            href="/signup"
            className="rounded-md border border-slate-300 bg-white px-4 py-2.5 font-semibold text-slate-800 shadow-sm hover:bg-slate-50"
          >
            Create an account
          </Link>
        </div>
      </section>

      <section aria-labelledby="features-heading">
        <h2 id="features-heading" className="sr-only">
          What Gatehouse does
        </h2>
        <ul className="grid gap-4 sm:grid-cols-2">
          {features.map((feature) => (
            <li key={feature.title} className="rounded-lg border border-slate-200 bg-white p-5">
              <h3 className="font-semibold text-slate-900">{feature.title}</h3>
              <p className="mt-2 text-sm text-slate-600">{feature.body}</p>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
