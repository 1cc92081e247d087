/** The UI's entry: picks the transport and renders the app. */
import { StrictMode } from "react"
import { createRoot } from "react-dom/client"
import { pickBridge } from "./api/pickBridge.ts"
import { makeStationClient } from "./api/StationClient.ts"
import { App } from "./ui/App.tsx"
import "./ui/station.css"

const root = document.getElementById("root")
if (root === null) throw new Error("index.html has no #root element")
createRoot(root).render(
  <StrictMode>
    <App client={makeStationClient(pickBridge(window))} />
  </StrictMode>
)
