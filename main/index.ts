// Electron entry (bundled to dist/main/index.cjs): wiring only; everything lives in main/app/.
import { startApp } from './app/app-main';

startApp();
