// esbuild entry for the page tap (bundled to an IIFE and injected with addInitScript).
import { installPageTap } from './page-tap';

installPageTap();
