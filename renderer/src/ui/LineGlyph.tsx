/**
 * A product's icon as two letters on a colour of its own: the bench has no emoji font, and a colour patch is
 * recognised from a step away.
 */
export const LineGlyph = ({ icon }: { readonly icon: string }) => {
  const hue = [...icon].reduce((sum, char) => (sum * 31 + char.charCodeAt(0)) % 360, 7)
  return (
    <span className="glyph" aria-hidden="true" style={{ background: `hsl(${hue} 55% 38%)` }}>
      {icon.slice(0, 2).toUpperCase()}
    </span>
  )
}
