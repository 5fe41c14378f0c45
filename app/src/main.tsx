import { render } from 'preact';

import { loadConfig } from './config';
import { App } from './ui/App';
import { ErrorBox } from './ui/ErrorBox';
import './styles.css';

const root = document.getElementById('app')!;

loadConfig(fetch, new URL('./', window.location.href).href)
  .then((config) => render(<App config={config} />, root))
  .catch((e: unknown) =>
    render(
      <div class="page">
        <ErrorBox error={e} testId="config-error" />
      </div>,
      root,
    ),
  );
