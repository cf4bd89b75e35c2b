export default function WorkspaceOverviewPage() {
  return <p className="text-sm text-slate-600">Spend charts arrive with the usage issue.</p>;
}
