// An admin section's error line.
export function AdminError({ text }: { text: string | null }) {
  return text ? (
    <p class="error" role="alert" data-testid="admin-error">
      {text}
    </p>
  ) : null;
}
