<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.22.0" styleCategories="Symbology">
  <pipe>
    <rasterrenderer type="singlebandpseudocolor" band="1" opacity="1" alphaBand="-1" classificationMin="1000" classificationMax="100000000" nodataColor="">
      <rasterTransparency/>
      <rastershader>
        <colorrampshader colorRampType="DISCRETE" classificationMode="1" clip="0" minimumValue="1000" maximumValue="100000000">
          <item value="1000" color="#ffffb2" alpha="255" label="≤ 1000 CNY/yr"/>
          <item value="10000" color="#fed976" alpha="255" label="1000 – 10k CNY/yr"/>
          <item value="100000" color="#feb24c" alpha="255" label="10k – 100k CNY/yr"/>
          <item value="1000000" color="#fd8d3c" alpha="255" label="100k – 1M CNY/yr"/>
          <item value="10000000" color="#fc4e2a" alpha="255" label="1M – 10M CNY/yr"/>
          <item value="100000000" color="#e31a1c" alpha="255" label="10M – 100M CNY/yr"/>
          <item value="inf" color="#b10026" alpha="255" label="&gt; 100M CNY/yr"/>
        </colorrampshader>
      </rastershader>
    </rasterrenderer>
  </pipe>
</qgis>
